/**
 * Open streams per process: N SSE followers (GET /v1/turns/{id}/events) on N turn streams that the bench
 * appends to itself, through the turn protocol's own append (RedisTurnEventLog.append from @acb/turns, the
 * runner's code path, so whatever the live fan-out listens to is fed exactly as in production; data = the
 * append timestamp), M tokens per stream spread evenly over time, then `done`. Lag = client receive − append.
 * The same workload runs against: our gateway (one multiplexed reader), a blocking XREAD per stream, and
 * Redis Pub/Sub per turn — each server in its own process, RSS and Redis connections measured by pid.
 */
import { scopeId } from "@acb/schemas";
import { RedisTurnEventLog, RedisTurnOwners } from "@acb/turns";
import type { BenchContext } from "../context.js";
import { sleep } from "../context.js";
import {
  commandStats,
  cpuPerMaster,
  flushAll,
  resetStats,
  sameMasters,
  singleRedis,
  type RedisBackend,
} from "../backend.js";
import {
  cpuSeconds,
  heapUsedBytes,
  redisClientLines,
  redisConnections,
  rssMiB,
  rssSampler,
  type BenchChild,
} from "../procs.js";
import { nowMs, round, summarize, type Summary } from "../stats.js";

export type FanoutDesign = "multiplexed" | "xread" | "pubsub";

export interface FanoutResult {
  readonly design: FanoutDesign;
  readonly streams: number;
  readonly opened: number;
  readonly eventsPerStream: number;
  readonly intervalMs: number;
  readonly openMs: number;
  readonly tokensReceived: number;
  readonly tokensExpected: number;
  readonly streamsDone: number;
  readonly lag: Summary;
  readonly appendLate: Summary;
  /** RSS of the server before any stream was opened. */
  readonly rssBaseMiB: number;
  /** RSS with every stream open, before the appends. */
  readonly rssIdleMiB: number;
  readonly rssPeakMiB: number;
  /** Peak − base: what the open streams cost (the servers' code differs in size, so this is the fair figure). */
  readonly rssGrowthMiB: number;
  /** Our gateway only: live heap after a forced GC before the streams were opened and with them open (MiB), and per stream (KiB). */
  readonly heapBaseMiB?: number;
  readonly heapOpenMiB?: number;
  readonly heapPerStreamKiB?: number;
  readonly redisConnections: number;
  /** CPU seconds used during the append phase by the server process and by redis-server. */
  readonly serverCpuS: number;
  readonly redisCpuS: number;
  /** Where the services' Redis was (absent: one redis-server), and each master's CPU seconds during the append phase. */
  readonly redis?: RedisBackend["kind"];
  readonly redisCpuPerMasterS?: number[];
  /** Redis commands during the append phase (calls, µs per call), the read side's especially. */
  readonly redisCommands: Record<string, { calls: number; usecPerCall: number; usec: number }>;
  /** A few of the server's CLIENT LIST lines mid-run (name, sub, cmd, buffers), for diagnosis. */
  readonly redisClients?: string[];
  /** The server's last warn/error log lines (our gateway only). */
  readonly serverWarnings?: string[];
  readonly note?: string;
  readonly error?: string;
}

const PREFIX = "acb:";
const eventsKey = (turnId: string): string => `${PREFIX}turn:{${turnId}}:events`;

export async function runFanout(
  ctx: BenchContext,
  design: FanoutDesign,
  opts: { streams: number; events: number; intervalMs: number; note?: string; backend?: RedisBackend },
): Promise<FanoutResult> {
  const { streams: n, events: m, intervalMs } = opts;
  // The naive servers speak to one redis-server only.
  const backend = opts.backend ?? singleRedis(ctx.redisUrl, ctx.admin);
  if (backend.kind === "cluster" && design !== "multiplexed")
    throw new Error(`fanout ${design}: the naive servers run on one redis-server only`);
  const idPrefix = `fanout-${design}-${Date.now().toString(36)}`;
  const ids = Array.from({ length: n }, (_, i) => `${idPrefix}-${i}`);
  const appender = backend.connect("acb-bench-appender");
  const eventLog = new RedisTurnEventLog(appender, { prefix: PREFIX });
  let stopServer: () => Promise<void> = async () => undefined;
  let client: BenchChild | undefined;
  const base: Partial<FanoutResult> = {
    design,
    streams: n,
    eventsPerStream: m,
    intervalMs,
    ...(opts.backend ? { redis: backend.kind } : {}),
    ...(opts.note ? { note: opts.note } : {}),
  };
  try {
    let pid: number;
    let url: string;
    let serverLog: () => string = () => "";
    let connName: string;
    let heap: (() => Promise<number>) | undefined;
    if (design === "multiplexed") {
      const g = await ctx.stack.gateway(
        { ...backend.env, SSE_HEARTBEAT_MS: "30000", WATCHDOG_GRACE_MS: "3600000" },
        { heapProbe: true },
      );
      heap = () => heapUsedBytes(g.proc);
      pid = g.pid;
      url = g.url;
      connName = `acb-gateway:${pid}`;
      ctx.roles.set(pid, "gateway (fan-out)");
      stopServer = g.stop;
      serverLog = () => g.proc.output();
    } else {
      const s = await ctx.stack.child("naive-server.ts", [design, ctx.redisUrl, PREFIX], "listening ");
      pid = s.pid;
      connName = `acb-naive:${pid}`;
      ctx.roles.set(pid, `naive ${design} server`);
      stopServer = () => s.stop();
      url = `http://127.0.0.1:${s.readyLine.split(" ")[1] ?? "0"}`;
    }

    client = await ctx.stack.child("fanout-client.ts", [], "ready");
    await sleep(ctx.quick ? 200 : 1_000);
    const rssBase = rssMiB(pid);
    const heapBase = heap ? await heap() : Number.NaN;
    // The gateway follows only turns someone owns (AUTH_MODE=none: the anonymous owner), as if it had started them;
    // and the first token of every stream, so the gateway's exists() check passes (its lag is not counted).
    const owners = new RedisTurnOwners(appender, PREFIX);
    for (let i = 0; i < n; i += 500)
      await Promise.all(ids.slice(i, i + 500).map((id) => owners.claim(id, scopeId({}), 3_600_000)));
    for (let i = 0; i < n; i += 500)
      await Promise.all(ids.slice(i, i + 500).map((id) => eventLog.append(id, { event: "token", data: "0" })));

    client.send(`open ${url} ${idPrefix} ${n}`);
    const opened = JSON.parse((await client.waitLine((l) => l.startsWith("opened "), 300_000)).slice(7)) as {
      ok: number;
      failed: number;
      ms: number;
      errors: string[];
    };
    ctx.log(
      `  ${design}: ${opened.ok}/${n} streams open in ${Math.round(opened.ms)} ms${opened.failed ? ` (${opened.failed} failed: ${opened.errors.join("; ")})` : ""}`,
    );
    await sleep(ctx.quick ? 300 : 2_000);
    const rssIdle = rssMiB(pid);
    const heapOpen = heap ? await heap() : Number.NaN;
    const sampler = rssSampler(pid);
    await resetStats(backend);
    const cpu0 = cpuSeconds(pid);
    const redisCpu0 = await cpuPerMaster(backend);
    const masters0 = backend.masters();

    // Appends: event k of stream i is due at t0 + (k·n + i)·interval/n; the (m+1)-th event is `done`.
    const total = (m + 1) * n;
    const late: number[] = [];
    let g = 0;
    let connections = Number.NaN;
    let clients: string[] = [];
    const t0 = nowMs() + 50;
    while (g < total) {
      const now = nowMs();
      const dueUntil = Math.min(total, Math.floor(((now - t0) * n) / intervalMs) + 1);
      if (dueUntil > g) {
        const batch: Array<Promise<unknown>> = [];
        for (; g < dueUntil; g++) {
          const k = Math.floor(g / n);
          const id = ids[g % n] ?? "";
          const ts = nowMs();
          late.push(ts - (t0 + (g * intervalMs) / n));
          const e = k < m ? "token" : "done";
          const d = k < m ? ts.toFixed(3) : "bench";
          batch.push(eventLog.append(id, e === "token" ? { event: "token", data: d } : { event: "done", data: d }));
          // The naive Pub/Sub design needs its own message per event (the usual XADD-then-PUBLISH).
          if (design === "pubsub") batch.push(appender.publish(eventsKey(id), JSON.stringify({ e, d })));
        }
        await Promise.all(batch);
      }
      if (Number.isNaN(connections) && now - t0 > intervalMs) {
        connections = await connectionsOf(backend, connName);
        clients = (await Promise.all(backend.masters().map((a) => redisClientLines(a, connName)))).flat();
      }
      await sleep(2);
    }
    if (Number.isNaN(connections)) connections = await connectionsOf(backend, connName);

    // Wait for the followers to see their `done` (bounded).
    const until = Date.now() + Math.max(ctx.quick ? 5_000 : 30_000, intervalMs * 5);
    for (;;) {
      client.send("status");
      const st = JSON.parse((await client.waitLine((l) => l.startsWith("status "), 30_000)).slice(7)) as {
        done: number;
      };
      if (st.done >= opened.ok || Date.now() > until) break;
      await sleep(250);
    }
    const rssPeak = sampler.stop();
    const serverCpuS = cpuSeconds(pid) - cpu0;
    if (!sameMasters(masters0, backend.masters()))
      ctx.warnings.push(
        `fanout ${design} on ${backend.kind}: a master changed during the run (failover): its Redis CPU per master mixes nodes`,
      );
    const redisCpuPerMasterS = (await cpuPerMaster(backend)).map((v, i) => round(v - (redisCpu0[i] ?? 0), 2));
    const redisCpuS = redisCpuPerMasterS.reduce((a, b) => a + b, 0);
    const allCommands = await commandStats(backend);
    const redisCommands = Object.fromEntries(
      Object.entries(allCommands).filter(([name]) =>
        /^(xread|xadd|xrange|publish|subscribe|ssubscribe|spublish|psubscribe|unsubscribe|evalsha|eval|exists|client.*)$/.test(
          name,
        ),
      ),
    );
    client.send("report");
    const rep = JSON.parse((await client.waitLine((l) => l.startsWith("result "), 60_000)).slice(7)) as {
      tokens: number;
      done: number;
      lag: Summary;
    };
    return {
      ...(base as FanoutResult),
      opened: opened.ok,
      openMs: round(opened.ms, 0),
      tokensReceived: rep.tokens,
      tokensExpected: opened.ok * (m + 1),
      streamsDone: rep.done,
      lag: rep.lag,
      appendLate: summarize(late),
      rssBaseMiB: round(rssBase, 1),
      rssIdleMiB: round(rssIdle, 1),
      rssPeakMiB: round(rssPeak, 1),
      rssGrowthMiB: round(Math.max(rssPeak, rssIdle) - rssBase, 1),
      ...(heap
        ? {
            heapBaseMiB: round(heapBase / 2 ** 20, 1),
            heapOpenMiB: round(heapOpen / 2 ** 20, 1),
            heapPerStreamKiB: round((heapOpen - heapBase) / 1024 / Math.max(1, opened.ok), 2),
          }
        : {}),
      redisConnections: connections,
      serverCpuS: round(serverCpuS, 2),
      redisCpuS: round(redisCpuS, 2),
      ...(opts.backend ? { redisCpuPerMasterS } : {}),
      redisCommands,
      redisClients: clients,
      serverWarnings: serverLog()
        .split("\n")
        .filter((l) => /"level":"(warn|error)"/.test(l))
        .slice(-3)
        .map((l) => l.slice(0, 300)),
    };
  } catch (err) {
    ctx.log(`  ${design}: FAILED ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    return {
      ...(base as FanoutResult),
      opened: 0,
      openMs: Number.NaN,
      tokensReceived: 0,
      tokensExpected: 0,
      streamsDone: 0,
      lag: summarize([]),
      appendLate: summarize([]),
      rssBaseMiB: Number.NaN,
      rssIdleMiB: Number.NaN,
      rssPeakMiB: Number.NaN,
      rssGrowthMiB: Number.NaN,
      redisConnections: Number.NaN,
      serverCpuS: Number.NaN,
      redisCpuS: Number.NaN,
      redisCommands: {},
      error: err instanceof Error ? (err.message.split("\n")[0] ?? "failed") : String(err),
    };
  } finally {
    await client?.stop();
    await stopServer();
    appender.disconnect();
    await flushAll(backend);
  }
}

/** Connections named `name` on every master (a cluster client connects to each). */
async function connectionsOf(backend: RedisBackend, name: string): Promise<number> {
  return (await Promise.all(backend.masters().map((a) => redisConnections(a, name)))).reduce((x, y) => x + y, 0);
}
