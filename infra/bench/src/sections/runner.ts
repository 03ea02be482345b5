/**
 * Runner concurrency: N turns at once through the distributed gateway to ONE runner process with
 * RUNNER_CONCURRENCY=N, each answered by the upstream over 2 s (21 chunks, 100 ms apart). Completion =
 * first request sent → last `done` received; ideal = the upstream's 2 s.
 */
import { closedLoop, streamOnce, warnFailures, WARM_TIMEOUT_MS } from "../client.js";
import type { BenchContext } from "../context.js";
import { cpuMeter, perRequest, redisCommandStats } from "../procs.js";
import { round, summarize, type Summary } from "../stats.js";

export interface RunnerResult {
  readonly turns: number;
  readonly idealMs: number;
  readonly completionMs: number;
  readonly overIdealPct: number;
  readonly perTurn: Summary;
  readonly ttft: Summary;
  readonly failures: number;
  /** CPU seconds each process used during the measured run. */
  readonly cpuS: Record<string, number>;
  /** Redis commands per turn during the measured run (calls per turn, µs per call), the busiest first. */
  readonly redisPerTurn: Record<string, { calls: number; usecPerCall: number }>;
}

export async function runRunner(
  ctx: BenchContext,
  gatewayUrl: string,
  turns: number,
  pids: Record<string, number>,
  runnerOutput?: () => string,
): Promise<RunnerResult> {
  const chunks = 21;
  const delayMs = 100;
  const idealMs = (chunks - 1) * delayMs;
  warnFailures(
    ctx,
    "runner warm-up",
    await closedLoop(20, 20, (i, agent) =>
      streamOnce(
        agent,
        gatewayUrl,
        "gateway",
        `bench:${chunks}:${delayMs}`,
        `rn-warm-${i}-${Date.now()}`,
        WARM_TIMEOUT_MS,
      ),
    ),
  );
  await ctx.admin.config("RESETSTAT");
  const cpu = await cpuMeter(ctx, pids);
  const results = await closedLoop(
    turns,
    turns,
    (i, agent) =>
      streamOnce(agent, gatewayUrl, "gateway", `bench:${chunks}:${delayMs}`, `rn-${i}-${Date.now()}`, 120_000),
    `${gatewayUrl}/healthz`,
  );
  const ok = results.filter((r) => r.ok);
  const start = Math.min(...results.map((r) => r.startedAt));
  const end = Math.max(...results.map((r) => r.endedAt));
  const completionMs = end - start;
  const res: RunnerResult = {
    turns,
    idealMs,
    completionMs: round(completionMs, 0),
    overIdealPct: round(((completionMs - idealMs) / idealMs) * 100, 1),
    perTurn: summarize(ok.map((r) => r.totalMs)),
    ttft: summarize(ok.map((r) => r.ttftMs)),
    failures: results.length - ok.length,
    cpuS: await cpu(),
    redisPerTurn: perRequest(await redisCommandStats(ctx.admin), turns),
  };
  if (res.failures > 0) {
    ctx.log(`  runner: ${res.failures} failed (${results.find((r) => !r.ok)?.error ?? ""})`);
    const warnings = (runnerOutput?.() ?? "").split("\n").filter((l) => /"level":"(warn|error)"/.test(l));
    for (const l of warnings.slice(-3)) ctx.log(`  runner log: ${l.slice(0, 400)}`);
  }
  ctx.log(
    `  runner: ${turns} turns of ${idealMs} ms done in ${res.completionMs} ms (+${res.overIdealPct} %; CPU s ${JSON.stringify(res.cpuS)})`,
  );
  return res;
}
