import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";

describe("REDIS_CLUSTER_NODES", () => {
  it("selects a Redis Cluster from host:port entries", () => {
    const r = loadGatewayConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-1.internal:7001,[::1]:7002" });
    expect(r.ok && r.value.redis).toEqual({
      kind: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "redis-1.internal", port: 7001 },
        { host: "::1", port: 7002 },
      ],
    });
  });

  it("REDIS_URL alone keeps one Redis", () => {
    const r = loadGatewayConfig({ REDIS_URL: "redis://127.0.0.1:6379" });
    expect(r.ok && r.value.redis).toEqual({ kind: "single", url: "redis://127.0.0.1:6379" });
  });

  it.each([
    ["redis://127.0.0.1:7000", "REDIS_CLUSTER_NODES"],
    ["127.0.0.1", "REDIS_CLUSTER_NODES"],
    ["127.0.0.1:99999", "REDIS_CLUSTER_NODES"],
    ["host:1,evil host;rm -rf:2", "REDIS_CLUSTER_NODES"],
    [",", "REDIS_CLUSTER_NODES"],
  ])("refuses %j naming the setting, without echoing it", (value, name) => {
    const r = loadGatewayConfig({ REDIS_CLUSTER_NODES: value });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain(name);
    expect(r.message).not.toContain("rm -rf");
  });

  it("refuses REDIS_URL and REDIS_CLUSTER_NODES together", () => {
    const r = loadGatewayConfig({
      REDIS_URL: "redis://:pw-secret@127.0.0.1:6379",
      REDIS_CLUSTER_NODES: "127.0.0.1:7000",
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/REDIS_URL.*REDIS_CLUSTER_NODES.*not both/);
    expect(r.message).not.toContain("pw-secret");
  });
});
