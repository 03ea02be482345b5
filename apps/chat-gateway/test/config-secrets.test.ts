/** Finding: config errors echoed passwords inside REDIS_URL and OPENAI_BASE_URL. */
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";

describe("chat-gateway config errors never print a secret", () => {
  const ok = { REDIS_URL: "redis://127.0.0.1:6379" };
  it.each([
    [{ REDIS_URL: "http://admin:r3d1s-pw@cache:6379/0?password=qs-r3d1s" }, "REDIS_URL", ["r3d1s-pw", "qs-r3d1s", "admin"]],
    [{ REDIS_URL: "redis://:r3d1s-pw@cache:99999" }, "REDIS_URL", ["r3d1s-pw"]],
    [{ ...ok, OPENAI_BASE_URL: "ftp://u:b4se-pw@llm.example/v1?key=qs-b4se" }, "OPENAI_BASE_URL", ["b4se-pw", "qs-b4se"]],
    [{ ...ok, OPENAI_BASE_URL: "https://u:b4se-pw@llm.example:99999/v1" }, "OPENAI_BASE_URL", ["b4se-pw"]],
    [{ ...ok, MCP_SERVER_URL: "ftp://u:mcp-pw@files:8080/mcp?token=qs-mcp" }, "MCP_SERVER_URL", ["mcp-pw", "qs-mcp"]],
  ])("%j", (env, name, secrets) => {
    const r = loadGatewayConfig(env);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain(name);
    for (const s of secrets) expect(r.message).not.toContain(s);
  });
});
