/** Finding: config errors echoed passwords inside REDIS_URL and OPENAI_BASE_URL (the cases: @acb/testkit). */
import { CONFIG_SECRET_CASES, configSecretProblems } from "@acb/testkit";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";

describe("chat-gateway config errors never print a secret", () => {
  it.each(CONFIG_SECRET_CASES)("$env", (c) => {
    expect(configSecretProblems(loadGatewayConfig(c.env), c)).toEqual([]);
  });
});
