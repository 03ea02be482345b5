/** Finding: config errors echoed passwords inside REDIS_URL and OPENAI_BASE_URL (the cases: @acb/testkit). */
import { CONFIG_SECRET_CASES, configSecretProblems } from "@acb/testkit";
import { describe, expect, it } from "vitest";
import { loadRunnerConfig } from "../src/config.js";

describe("agent-runner config errors never print a secret", () => {
  it.each(CONFIG_SECRET_CASES)("$env", (c) => {
    expect(configSecretProblems(loadRunnerConfig(c.env), c)).toEqual([]);
  });
});
