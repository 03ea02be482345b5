/**
 * `pnpm bench -- --cluster`: the distributed path on one redis-server beside a Redis Cluster (3 masters, a replica
 * each; packages/testkit startRedisCluster), in the same run: TTFT at c=1 and the fan-out section (N idle-then-live
 * streams on one gateway). Gateway and runner get REDIS_CLUSTER_NODES instead of REDIS_URL; the bench appends through
 * RedisTurnEventLog on a cluster client (the append script's SPUBLISH). Redis CPU is read per master (INFO cpu
 * before/after), so the table shows how the work spreads over the shards.
 */
import type { BenchContext } from "../context.js";
import { cpuPerMaster, flushAll, sameMasters, type RedisBackend } from "../backend.js";
import type { Machine } from "../report.js";
import { f, runPreamble } from "../report.js";
import { round } from "../stats.js";
import { runFanout, type FanoutResult } from "./fanout.js";
import { runTtft, type TtftResult } from "./ttft.js";

export interface ClusterTtft extends TtftResult {
  readonly redis: RedisBackend["kind"];
  /** CPU seconds of each master during the measured requests (warm-up included). */
  readonly redisCpuPerMasterS: number[];
}

export interface ClusterResults {
  readonly kind: "full" | "quick";
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: Machine;
  readonly code: { commit: string; dirtySources: string[]; distBuiltAt: string };
  readonly params: Record<string, number>;
  readonly masters: number;
  readonly ttft: ClusterTtft[];
  readonly fanout: FanoutResult[];
  readonly warnings: string[];
  readonly errors: string[];
}

/** TTFT c=1 through gateway → BullMQ → runner → stream → fan-out → SSE, on `backend`. */
export async function clusterTtft(
  ctx: BenchContext,
  backend: RedisBackend,
  modelEnv: Record<string, string>,
  requests: number,
): Promise<ClusterTtft> {
  const [gateway, runner] = await Promise.all([
    ctx.stack.gateway({ ...modelEnv, ...backend.env }),
    ctx.stack.runner({ ...modelEnv, ...backend.env, RUNNER_CONCURRENCY: "100" }),
  ]);
  ctx.roles.set(gateway.pid, `gateway (${backend.kind})`);
  ctx.roles.set(runner.pid, `runner (${backend.kind})`);
  try {
    const cpu0 = await cpuPerMaster(backend);
    const masters0 = backend.masters();
    const res = await runTtft(
      ctx,
      { name: "distributed", base: gateway.url, dialect: "gateway" },
      1,
      requests,
      backend,
    );
    if (!sameMasters(masters0, backend.masters()))
      ctx.warnings.push(
        `ttft on ${backend.kind}: a master changed during the run (failover): its Redis CPU per master mixes nodes`,
      );
    const cpu1 = await cpuPerMaster(backend);
    return { ...res, redis: backend.kind, redisCpuPerMasterS: cpu1.map((v, i) => round(v - (cpu0[i] ?? 0), 2)) };
  } finally {
    await gateway.stop();
    await runner.stop();
    await flushAll(backend);
  }
}

export async function clusterFanout(
  ctx: BenchContext,
  backend: RedisBackend,
  opts: { streams: number; events: number; intervalMs: number },
): Promise<FanoutResult> {
  return await runFanout(ctx, "multiplexed", { ...opts, backend });
}

const perMaster = (v: number[] | undefined): string =>
  v && v.length > 0 ? `${v.map((x) => f(x)).join(" / ")} (Σ ${f(v.reduce((a, b) => a + b, 0))})` : "n/a";
const label = (kind: RedisBackend["kind"] | undefined, masters: number): string =>
  kind === "cluster" ? `Redis Cluster (${masters} masters)` : "one redis-server";

export function clusterMarkdown(r: ClusterResults): string {
  const out: string[] = [];
  out.push(
    `# Bench: one Redis beside a Redis Cluster (${r.kind})`,
    "",
    ...runPreamble(
      r,
      ` The cluster: ${r.masters} masters with a replica each, on this same machine (every node is a redis-server process on the same 2 cores).`,
    ),
  );
  out.push(
    "## Time to first token, c=1 (ms), distributed path",
    "",
    "Redis CPU per master: INFO cpu before and after the run (warm-up included), master by master.",
    "",
    "| Redis | p50 | p99 | mean | n | failures | Redis CPU s per master | Redis calls per request (µs per call) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  );
  for (const x of r.ttft) {
    const cmds = Object.entries(x.redisPerRequest ?? {})
      .filter(([, v]) => v.calls >= 0.5)
      .slice(0, 8)
      .map(([k, v]) => `${k} ${v.calls} (${v.usecPerCall})`)
      .join(", ");
    out.push(
      `| ${label(x.redis, r.masters)} | ${f(x.ttft.p50)} | ${f(x.ttft.p99)} | ${f(x.ttft.mean)} | ${x.ttft.n} | ${x.failures} | ${perMaster(x.redisCpuPerMasterS)} | ${cmds} |`,
    );
  }
  out.push(
    "",
    "## Open streams on one gateway (fan-out section, same workload)",
    "",
    "Redis CPU per master during the append phase (INFO cpu before/after); on the cluster the bench's own appends (the append script, SPUBLISH) are part of it, as the runner's would be.",
    "",
    "| Redis | streams opened | tokens recv/expected | lag p50 | lag p99 | lag max | append late p99 | RSS base / open / peak MiB | heap per stream KiB | Redis conns of the gateway | gateway CPU s | Redis CPU s per master | read-side Redis calls (µs/call) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |",
  );
  for (const x of r.fanout) {
    const c = x.redisCommands;
    const calls = ["spublish", "publish", "evalsha", "xrange", "ssubscribe", "subscribe"]
      .filter((k) => c[k])
      .map((k) => `${k.toUpperCase()} ${c[k]?.calls ?? 0} (${round(c[k]?.usecPerCall ?? Number.NaN, 1)})`)
      .join(", ");
    out.push(
      `| ${label(x.redis, r.masters)} | ${x.opened}/${x.streams} | ${x.tokensReceived}/${x.tokensExpected} | ${f(x.lag.p50)} | ${f(x.lag.p99)} | ${f(x.lag.max)} | ${f(x.appendLate.p99)} | ${f(x.rssBaseMiB)} / ${f(x.rssIdleMiB)} / ${f(x.rssPeakMiB)} | ${f(x.heapPerStreamKiB ?? Number.NaN)} | ${f(x.redisConnections)} | ${f(x.serverCpuS)} | ${perMaster(x.redisCpuPerMasterS)} | ${calls || "n/a"}${x.error ? `; ${x.error}` : ""} |`,
    );
  }
  if (r.warnings.length > 0) out.push("", "## Warnings", "", ...r.warnings.map((w) => `- ${w}`));
  if (r.errors.length > 0) out.push("", "## Harness errors", "", ...r.errors.map((e) => `- ${e}`));
  out.push("");
  return out.join("\n");
}
