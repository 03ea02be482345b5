/**
 * Throughput: 100 concurrent long answers from a zero-latency upstream (the upstream writes as fast as it
 * can); tokens per second delivered to the SSE clients in total (all tokens / wall time from the first
 * request to the last `done`) and per stream.
 */
import { closedLoop, streamOnce, warnFailures, WARM_TIMEOUT_MS, type Dialect } from "../client.js";
import type { BenchContext } from "../context.js";
import { cpuMeter } from "../procs.js";
import { round, summarize, type Summary } from "../stats.js";

export interface ThroughputResult {
  readonly target: "upstream" | "bare" | "embedded" | "distributed";
  readonly streams: number;
  readonly tokensPerStream: number;
  readonly tokensPerSecond: number;
  readonly perStreamTokensPerSecond: Summary;
  readonly wallMs: number;
  readonly failures: number;
  /** CPU seconds each process used during the measured run (shows which process is the bound). */
  readonly cpuS: Record<string, number>;
}

/** A cheap GET on the target, for opening connections before a burst. */
export const warmPath = (target: { base: string; dialect: Dialect }): string =>
  target.dialect === "openai" ? `${target.base}/models` : `${target.base}/healthz`;

export async function runThroughput(
  ctx: BenchContext,
  target: { name: ThroughputResult["target"]; base: string; dialect: Dialect },
  streams: number,
  tokens: number,
  pids: Record<string, number>,
): Promise<ThroughputResult> {
  const input = `bench:${tokens}:0`;
  warnFailures(
    ctx,
    `throughput ${target.name} warm-up`,
    await closedLoop(10, 10, (i, agent) =>
      streamOnce(
        agent,
        target.base,
        target.dialect,
        "bench:50:0",
        `tp-warm-${target.name}-${i}-${Date.now()}`,
        WARM_TIMEOUT_MS,
      ),
    ),
  );
  const cpu = await cpuMeter(ctx, pids);
  const results = await closedLoop(
    streams,
    streams,
    (i, agent) =>
      streamOnce(agent, target.base, target.dialect, input, `tp-${target.name}-${i}-${Date.now()}`, 300_000),
    warmPath(target),
  );
  const ok = results.filter((r) => r.ok);
  const start = Math.min(...results.map((r) => r.startedAt));
  const end = Math.max(...results.map((r) => r.endedAt));
  const total = results.reduce((n, r) => n + r.tokens, 0);
  const res: ThroughputResult = {
    target: target.name,
    streams,
    tokensPerStream: tokens,
    tokensPerSecond: round((total * 1000) / (end - start), 0),
    perStreamTokensPerSecond: summarize(ok.map((r) => (r.tokens * 1000) / r.totalMs)),
    wallMs: round(end - start, 0),
    failures: results.length - ok.length,
    cpuS: await cpu(),
  };
  if (res.failures > 0)
    ctx.log(`  throughput ${target.name}: ${res.failures} failed (${results.find((r) => !r.ok)?.error ?? ""})`);
  ctx.log(
    `  throughput ${target.name}: ${res.tokensPerSecond} tokens/s (${streams} × ${tokens} in ${res.wallMs} ms, ${res.failures} failed; CPU s ${JSON.stringify(res.cpuS)})`,
  );
  return res;
}
