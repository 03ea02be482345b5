/**
 * What per-session ordering (one turn at a time per session: a Lua admission on the gateway, a Lua hand-off
 * on the runner) costs the time to first token, through the distributed pipeline, at concurrency 1 and 100:
 * - `stateless`: the OpenAI-compatible door, whose turns carry their conversation and skip session ordering
 *   (the baseline, measured in the same run against the same gateway and runner);
 * - `distinct`: the seed's /v1/chat/stream, every request its own session (ordering on, never waiting);
 * - `shared`: the same, the requests spread over a few sessions (turns of one session wait for each other,
 *   by design: their TTFT includes the turns queued before them).
 * Redis time of the two session scripts per turn comes from `commandstats` of the distinct run.
 */
import { closedLoop, streamOnce, warnFailures, WARM_TIMEOUT_MS, type Dialect } from "../client.js";
import type { BenchContext } from "../context.js";
import { redisCommandStats } from "../procs.js";
import { summarize, type Summary } from "../stats.js";
import { SHORT_ANSWER } from "./ttft.js";

export interface OrderingResult {
  readonly case: "stateless" | "distinct" | "shared";
  readonly concurrency: number;
  /** Sessions the requests were spread over ("distinct": one per request). */
  readonly sessions: number | "distinct";
  readonly ttft: Summary;
  readonly failures: number;
  /** Redis scripts (EVALSHA) per request during the run: calls and µs per call. */
  readonly scriptsPerRequest?: { calls: number; usecPerCall: number };
}

export async function runOrdering(
  ctx: BenchContext,
  gatewayUrl: string,
  requests: { c1: number; c100: number },
): Promise<OrderingResult[]> {
  const out: OrderingResult[] = [];
  const tag = Date.now().toString(36);
  const measure = async (
    kind: OrderingResult["case"],
    concurrency: number,
    sessions: number | "distinct",
  ): Promise<void> => {
    const n = concurrency === 1 ? requests.c1 : requests.c100;
    const dialect: Dialect = kind === "stateless" ? "openai" : "gateway";
    const base = kind === "stateless" ? `${gatewayUrl}/v1` : gatewayUrl;
    const session = (i: number): string =>
      sessions === "distinct"
        ? `ord-${tag}-${kind}-${concurrency}-${i}`
        : `ord-${tag}-${kind}-${concurrency}-s${i % sessions}`;
    warnFailures(
      ctx,
      `ordering ${kind} warm-up`,
      await closedLoop(Math.min(20, n), Math.min(concurrency, 10), (i, agent) =>
        streamOnce(agent, base, dialect, SHORT_ANSWER, `warm-${tag}-${i}`, WARM_TIMEOUT_MS),
      ),
    );
    await ctx.admin.config("RESETSTAT");
    const results = await closedLoop(n, concurrency, (i, agent) =>
      streamOnce(agent, base, dialect, SHORT_ANSWER, session(i)),
    );
    const ok = results.filter((r) => r.ok);
    const stats = await redisCommandStats(ctx.admin);
    const evalsha = stats.evalsha;
    const res: OrderingResult = {
      case: kind,
      concurrency,
      sessions,
      ttft: summarize(ok.map((r) => r.ttftMs)),
      failures: results.length - ok.length,
      ...(evalsha
        ? {
            scriptsPerRequest: { calls: Math.round((evalsha.calls / n) * 100) / 100, usecPerCall: evalsha.usecPerCall },
          }
        : {}),
    };
    ctx.log(
      `  ordering ${kind} c=${concurrency} sessions=${sessions}: p50 ${res.ttft.p50} ms, p99 ${res.ttft.p99} ms (n=${res.ttft.n}, failures ${res.failures})`,
    );
    out.push(res);
  };
  for (const c of [1, 100]) {
    await measure("stateless", c, "distinct");
    await measure("distinct", c, "distinct");
  }
  await measure("shared", 100, 10);
  await measure("shared", 100, 1);
  return out;
}
