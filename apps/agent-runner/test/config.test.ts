import { fileURLToPath } from "node:url";
import { configRefusalProblems, refusedStartProblems } from "@acb/testkit";
import { describe, expect, it } from "vitest";
import { loadRunnerConfig } from "../src/config.js";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

describe("agent-runner configuration", () => {
  const bad: Array<[Record<string, string>, string]> = [
    [{}, "REDIS_URL"],
    [{ REDIS_URL: "http://x" }, "REDIS_URL"],
    [{ REDIS_URL: "redis://127.0.0.1:1", RUNNER_CONCURRENCY: "0" }, "RUNNER_CONCURRENCY"],
    [{ REDIS_URL: "redis://127.0.0.1:1", MCP_TRANSPORT: "carrier-pigeon" }, "MCP_TRANSPORT"],
    [{ REDIS_URL: "redis://127.0.0.1:1", MCP_SERVERS: "{not json" }, "MCP_SERVERS"],
    [{ REDIS_URL: "redis://127.0.0.1:1", USE_MCP_IN_CHAT: "perhaps" }, "USE_MCP_IN_CHAT"],
  ];
  it.each(bad)("refuses %j, in one line naming %s", (env, name) => {
    expect(configRefusalProblems(loadRunnerConfig(env), name)).toEqual([]);
  });

  it("the built runner (dist/main.js) refuses to start with a bad setting: exit 1, one stderr line naming it", () => {
    const env = { REDIS_URL: "redis://127.0.0.1:1", MCP_TRANSPORT: "carrier-pigeon" };
    expect(refusedStartProblems(MAIN, env, "MCP_TRANSPORT")).toEqual([]);
  });

  it("defaults follow the seed: MCP at http://localhost:8080/mcp over streamable HTTP, tools in chat, offline model without a key", () => {
    const r = loadRunnerConfig({ REDIS_URL: "redis://127.0.0.1:6379" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.mcpServers).toEqual({ files: { transport: "streamable_http", url: "http://localhost:8080/mcp" } });
    expect(r.value.useToolsInChat).toBe(true);
    expect(r.value.model.provider).toBe("offline");
    expect(r.value.model.model).toBe("gpt-4o-mini");
    const keyed = loadRunnerConfig({ REDIS_URL: "redis://x:1", OPENAI_API_KEY: "sk-x" });
    expect(keyed.ok && keyed.value.model.provider).toBe("openai");
  });
});
