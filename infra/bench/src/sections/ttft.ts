/**
 * Time to first token: request sent → first token parsed by the client, for short answers from a
 * zero-latency upstream, (a) straight from the upstream, (b) through the embedded gateway, (c) through the
 * distributed pipeline (gateway → BullMQ → runner → Redis stream → multiplexed reader → SSE), at
 * concurrency 1 (sequential requests) and 100 (closed loop, 100 in flight).
 */
import { closedLoop, streamOnce, warnFailures, WARM_TIMEOUT_MS, type Dialect } from "../client.js";
import type { BenchContext } from "../context.js";
import { commandStats, resetStats, singleRedis, type RedisBackend } from "../backend.js";
import { perRequest } from "../procs.js";
import { warmPath } from "./throughput.js";
import { summarize, type Summary } from "../stats.js";

export interface TtftTarget {
  /** bare = bare-proxy.ts: node:http forwarding the upstream's stream as SSE, the per-token baseline. */
  readonly name: "upstream" | "bare" | "embedded" | "distributed";
  readonly base: string;
  readonly dialect: Dialect;
}

export interface TtftResult {
  readonly target: TtftTarget["name"];
  readonly concurrency: number;
  readonly ttft: Summary;
  readonly failures: number;
  /** Distributed only: Redis commands per request during the measured run (calls/request, µs per call). */
  readonly redisPerRequest?: Record<string, { calls: number; usecPerCall: number }>;
}

export const SHORT_ANSWER = "bench:8:0";

/** `backend`: where the distributed target's Redis is (default the run's redis-server), for its command counts. */
export async function runTtft(
  ctx: BenchContext,
  target: TtftTarget,
  concurrency: number,
  requests: number,
  backend: RedisBackend = singleRedis(ctx.redisUrl, ctx.admin),
): Promise<TtftResult> {
  const session = (i: number): string => `ttft-${target.name}-${concurrency}-${i}-${Date.now().toString(36)}`;
  // Warm-up: connections, JIT, the runner's first job.
  warnFailures(
    ctx,
    `ttft ${target.name} warm-up`,
    await closedLoop(Math.min(50, requests), Math.min(concurrency, 10), (i, agent) =>
      streamOnce(agent, target.base, target.dialect, SHORT_ANSWER, `warm-${session(i)}`, WARM_TIMEOUT_MS),
    ),
  );
  if (target.name === "distributed") await resetStats(backend);
  const results = await closedLoop(
    requests,
    concurrency,
    (i, agent) => streamOnce(agent, target.base, target.dialect, SHORT_ANSWER, session(i)),
    warmPath(target),
  );
  const ok = results.filter((r) => r.ok);
  const failures = results.length - ok.length;
  if (failures > 0)
    ctx.log(`  ${target.name} c=${concurrency}: ${failures} failed (${results.find((r) => !r.ok)?.error ?? ""})`);
  let redisPerRequest: TtftResult["redisPerRequest"];
  if (target.name === "distributed") {
    redisPerRequest = perRequest(await commandStats(backend), requests);
  }
  const res: TtftResult = {
    target: target.name,
    concurrency,
    ttft: summarize(ok.map((r) => r.ttftMs)),
    failures,
    ...(redisPerRequest ? { redisPerRequest } : {}),
  };
  ctx.log(`  ttft ${target.name} c=${concurrency}: p50 ${res.ttft.p50} ms, p99 ${res.ttft.p99} ms (n=${res.ttft.n})`);
  return res;
}
