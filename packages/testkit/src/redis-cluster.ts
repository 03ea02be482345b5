import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindable, freePort, waitFor } from "./ports.js";

export interface ClusterNode {
  readonly port: number;
  readonly process: ChildProcess;
}

export interface PrivateRedisCluster {
  /** `127.0.0.1:P1,127.0.0.1:P2,…` — the value of REDIS_CLUSTER_NODES. */
  readonly nodesEnv: string;
  readonly nodes: readonly ClusterNode[];
  /** `redis-cli -p <port> <args…>` against one node; its stdout. */
  cli(port: number, ...args: string[]): string;
  /** Ports of the nodes that are masters now (from CLUSTER NODES). */
  masters(): number[];
  /** For each master port, the port of one replica of it. */
  replicaOf(masterPort: number): number | undefined;
  stop(): Promise<void>;
}

/**
 * A private Redis Cluster on loopback: `masters` masters with `replicas` replicas each (default 1; 0 when a test
 * needs slots but no failover), no persistence, node timeout 2 s (so a failover is quick). Waits until every node
 * reports `cluster_state:ok`. Needs redis-server and redis-cli.
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: 0 | 1 } = {},
): Promise<PrivateRedisCluster> {
  const replicas = options.replicas ?? 1;
  const count = (options.masters ?? 3) * (1 + replicas);
  const dir = mkdtempSync(join(tmpdir(), "acb-redis-cluster-"));
  const ports: number[] = [];
  while (ports.length < count) {
    const p = await freePort();
    // The cluster bus listens on port + 10000 (freePort's ports are below 32768, so that is a valid port).
    if (!ports.includes(p) && (await bindable(p + 10_000))) ports.push(p);
  }
  const nodes: ClusterNode[] = ports.map((port) => ({
    port,
    process: spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        "2000",
        "--appendonly",
        "no",
        "--save",
        "",
        "--dir",
        dir,
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
  }));
  const cli = (port: number, ...args: string[]): string => {
    const r = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
      encoding: "utf8",
      timeout: 30_000,
    });
    if (r.status !== 0) throw new Error(`redis-cli -p ${port} ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(
      nodes.map(async (n) => {
        if (n.process.exitCode !== null) return;
        const exited = new Promise((r) => n.process.once("exit", r));
        n.process.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (n.process.exitCode === null) n.process.kill("SIGKILL");
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const n of nodes)
      await waitFor(async () => cli(n.port, "PING").trim() === "PONG", 10_000, `redis-server on port ${n.port}`);
    cli(
      ports[0] ?? 0,
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    );
    for (const n of nodes)
      await waitFor(
        async () => cli(n.port, "CLUSTER", "INFO").includes("cluster_state:ok"),
        30_000,
        `cluster_state:ok on ${n.port}`,
      );
  } catch (err) {
    await stop();
    throw err;
  }
  const topology = (): Array<{ port: number; master: boolean; id: string; masterId: string }> =>
    cli(ports[0] ?? 0, "CLUSTER", "NODES")
      .trim()
      .split("\n")
      .map((line) => {
        const [id = "", addr = "", flags = "", masterId = ""] = line.split(" ");
        return { id, port: Number(addr.split("@")[0]?.split(":")[1]), master: flags.includes("master"), masterId };
      });
  return {
    nodesEnv: ports.map((p) => `127.0.0.1:${p}`).join(","),
    nodes,
    cli,
    masters: () =>
      topology()
        .filter((n) => n.master)
        .map((n) => n.port),
    replicaOf(masterPort) {
      const all = topology();
      const master = all.find((n) => n.port === masterPort);
      return all.find((n) => !n.master && n.masterId === master?.id)?.port;
    },
    stop,
  };
}
