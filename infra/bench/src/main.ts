/**
 * `pnpm bench` — the benchmark harness. Starts its own redis-server, scripted upstream (own process),
 * gateways (embedded and distributed) and a runner, and measures time to first token, throughput, runner
 * concurrency and open streams per gateway against the two naive fan-out designs. Writes
 * results/latest.{json,md,svg} (or quick.* with --quick) and prints the table.
 *
 *   --quick     small N, under 60 s: the CI smoke test (asserts no thresholds; fails if the harness breaks)
 *   --profile   gateways and runners run with --cpu-prof into results/prof/ (a summary is printed); the
 *               figures of a profiled run go to results/prof/profile.* (never over latest.*)
 *   --only=ttft,throughput,ordering,runner,fanout,takeover   run some sections only (for iteration; writes results/tmp/only.*)
 *   --cluster   instead of the sections above: TTFT c=1 and the fan-out section on one redis-server and on a 3-master
 *               Redis Cluster, in the same run (sections/cluster.ts); writes results/cluster.* (quick: results/tmp/)
 */
import { Redis } from "ioredis";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "./context.js";
import { codeVersion, distMtime, PROF_DIR, Stack } from "./procs.js";
import { summarizeProfiles } from "./profile-summary.js";
import { evaluateTargets, markdown, svg, type Results } from "./report.js";
import { clusterRedis, singleRedis } from "./backend.js";
import {
  clusterFanout,
  clusterMarkdown,
  clusterTtft,
  type ClusterResults,
  type ClusterTtft,
} from "./sections/cluster.js";
import { runFanout, type FanoutResult } from "./sections/fanout.js";
import { runOrdering, type OrderingResult } from "./sections/ordering.js";
import { runRunner, type RunnerResult } from "./sections/runner.js";
import { runTakeover, type TakeoverResult } from "./sections/takeover.js";
import { runThroughput, type ThroughputResult } from "./sections/throughput.js";
import { runTtft, type TtftResult, type TtftTarget } from "./sections/ttft.js";
import { round } from "./stats.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const quick = args.includes("--quick");
const profile = args.includes("--profile");
const clusterRun = args.includes("--cluster");
const CLUSTER_MASTERS = 3;
const onlyArg = args.find((a) => a.startsWith("--only="));
const only = onlyArg ? new Set(onlyArg.slice(7).split(",")) : undefined;
const unknown = args.filter((a) => !["--quick", "--profile", "--cluster"].includes(a) && !a.startsWith("--only="));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown argument(s) ${unknown.join(" ")}\nusage: pnpm bench [-- --quick] [--profile] [--cluster] [--only=ttft,throughput,ordering,runner,fanout,takeover]\n`,
  );
  process.exit(2);
}
// --cluster runs the cluster variants (named cluster-<section>) instead of the sections; --only picks among them too.
const want = (s: string): boolean =>
  clusterRun
    ? s.startsWith("cluster-") && (only === undefined || only.has(s.slice(8)))
    : only === undefined || only.has(s);

const P = quick
  ? {
      ttftRequestsC1: 30,
      ttftRequestsC100: 200,
      throughputStreams: 100,
      throughputTokens: 100,
      runnerTurns: 100,
      fanoutStreams: 200,
      fanoutEvents: 4,
      fanoutIntervalMs: 250,
      naiveXreadMaxStreams: 200,
    }
  : {
      ttftRequestsC1: 300,
      ttftRequestsC100: 2000,
      throughputStreams: 100,
      throughputTokens: 1000,
      runnerTurns: 1000,
      fanoutStreams: 10_000,
      fanoutEvents: 8,
      fanoutIntervalMs: 2000,
      naiveXreadMaxStreams: 9_500,
    };

const startedAt = new Date();
const t0 = Date.now();
const log = (message: string): void =>
  void process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
const stack = new Stack(profile);
const errors: string[] = [];
const warnings: string[] = [];
const roles = new Map<number, string>();
const ttft: TtftResult[] = [];
const throughput: ThroughputResult[] = [];
let runner: RunnerResult | undefined;
let takeover: TakeoverResult | undefined;
const fanout: FanoutResult[] = [];
const ordering: OrderingResult[] = [];
const clusterTtftResults: ClusterTtft[] = [];
let redisVersion = "?";
const loadStart = loadavg().map((v) => round(v, 2));
const code = codeVersion();
const distAtStart = distMtime();

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping every process`);
    void stack.stopAll().then(() => process.exit(130));
  });
}

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (!want(name)) return;
  log(`section ${name}`);
  try {
    await fn();
  } catch (err) {
    const msg = `${name}: ${err instanceof Error ? err.message.split("\n").slice(0, 3).join(" | ") : String(err)}`;
    errors.push(msg);
    log(`FAILED ${msg}`);
  }
}

try {
  const redis = await stack.redis();
  const admin = new Redis(redis.url, { maxRetriesPerRequest: null, connectionName: "acb-bench-admin" });
  stack.register("admin connection", async () => admin.disconnect());
  redisVersion = /redis_version:(\S+)/.exec(await admin.info("server"))?.[1] ?? "?";
  const upstream = await stack.upstream();
  roles.set(upstream.pid, "upstream");
  log(
    `redis ${redisVersion} on ${redis.url}, upstream ${upstream.url}${profile ? `, profiling into ${PROF_DIR}` : ""}`,
  );
  const ctx: BenchContext = {
    stack,
    quick,
    redisUrl: redis.url,
    admin,
    upstreamUrl: upstream.url,
    log,
    roles,
    warnings,
  };
  const modelEnv = { OPENAI_BASE_URL: upstream.url, CHAT_MODEL_ID: "bench" };

  if (want("ttft") || want("throughput") || want("ordering") || want("runner")) {
    const [bare, embedded, distributed, run] = await Promise.all([
      stack.child("bare-proxy.ts", [upstream.url], "listening "),
      stack.gateway({ ...modelEnv }),
      stack.gateway({ ...modelEnv, REDIS_URL: redis.url }),
      stack.runner({ ...modelEnv, REDIS_URL: redis.url, RUNNER_CONCURRENCY: String(Math.max(1000, P.runnerTurns)) }),
    ]);
    const bareUrl = `http://127.0.0.1:${bare.readyLine.split(" ")[1] ?? "0"}`;
    roles.set(bare.pid, "bare proxy");
    roles.set(embedded.pid, "gateway (embedded)");
    roles.set(distributed.pid, "gateway (distributed)");
    roles.set(run.pid, "runner");
    const targets: TtftTarget[] = [
      { name: "upstream", base: upstream.url, dialect: "openai" },
      { name: "bare", base: bareUrl, dialect: "gateway" },
      { name: "embedded", base: embedded.url, dialect: "gateway" },
      { name: "distributed", base: distributed.url, dialect: "gateway" },
    ];
    await section("ttft", async () => {
      for (const c of [1, 100])
        for (const t of targets) ttft.push(await runTtft(ctx, t, c, c === 1 ? P.ttftRequestsC1 : P.ttftRequestsC100));
    });
    await section("throughput", async () => {
      const pids: Record<TtftTarget["name"], Record<string, number>> = {
        upstream: { upstream: upstream.pid },
        bare: { upstream: upstream.pid, proxy: bare.pid },
        embedded: { upstream: upstream.pid, gateway: embedded.pid },
        distributed: { upstream: upstream.pid, gateway: distributed.pid, runner: run.pid },
      };
      for (const t of targets)
        throughput.push(
          await runThroughput(
            ctx,
            { name: t.name, base: t.base, dialect: t.dialect },
            P.throughputStreams,
            P.throughputTokens,
            pids[t.name],
          ),
        );
    });
    await section("ordering", async () => {
      ordering.push(...(await runOrdering(ctx, distributed.url, { c1: P.ttftRequestsC1, c100: P.ttftRequestsC100 })));
    });
    await embedded.stop();
    await bare.stop();
    await section("runner", async () => {
      runner = await runRunner(
        ctx,
        distributed.url,
        P.runnerTurns,
        { upstream: upstream.pid, gateway: distributed.pid, runner: run.pid },
        () => run.proc.output(),
      );
    });
    await distributed.stop();
    await run.stop();
    await admin.flushdb();
  }

  await section("fanout", async () => {
    fanout.push(
      await runFanout(ctx, "multiplexed", {
        streams: P.fanoutStreams,
        events: P.fanoutEvents,
        intervalMs: P.fanoutIntervalMs,
      }),
    );
    const xreadStreams = Math.min(P.fanoutStreams, P.naiveXreadMaxStreams);
    fanout.push(
      await runFanout(ctx, "xread", {
        streams: xreadStreams,
        events: P.fanoutEvents,
        intervalMs: P.fanoutIntervalMs,
        ...(xreadStreams < P.fanoutStreams
          ? {
              note: `capped at ${xreadStreams}: one HTTP + one Redis socket per stream exceeds the 20,000 fds a process may open here`,
            }
          : {}),
      }),
    );
    fanout.push(
      await runFanout(ctx, "pubsub", {
        streams: P.fanoutStreams,
        events: P.fanoutEvents,
        intervalMs: P.fanoutIntervalMs,
        note: "one shared subscriber, SUBSCRIBE per turn",
      }),
    );
    const broken = fanout.filter((x) => x.error !== undefined && x.design === "multiplexed");
    if (broken.length > 0) throw new Error(broken.map((b) => `${b.design}: ${b.error ?? ""}`).join("; "));
  });

  // Runner SIGKILL → the turn continuing on another runner (its own Redis, runners and upstream). Not in --quick:
  // it waits out BullMQ's stall detection (~1.5 × RUNNER_LOCK_MS) and the CI smoke run stays short.
  if (want("takeover") && (!quick || only?.has("takeover") === true)) {
    await section("takeover", async () => {
      takeover = await runTakeover(20, 2_000, log);
    });
  }

  if (clusterRun) {
    const cluster = await stack.redisCluster(CLUSTER_MASTERS);
    const clustered = clusterRedis(cluster);
    stack.register("cluster admin connections", async () => clustered.close());
    log(`redis cluster on ${cluster.nodesEnv} (${CLUSTER_MASTERS} masters, a replica each)`);
    const backends = [singleRedis(redis.url, admin), clustered];
    await section("cluster-ttft", async () => {
      for (const b of backends) clusterTtftResults.push(await clusterTtft(ctx, b, modelEnv, P.ttftRequestsC1));
    });
    await section("cluster-fanout", async () => {
      for (const b of backends)
        fanout.push(
          await clusterFanout(ctx, b, {
            streams: P.fanoutStreams,
            events: P.fanoutEvents,
            intervalMs: P.fanoutIntervalMs,
          }),
        );
      const broken = fanout.filter((x) => x.error !== undefined);
      if (broken.length > 0) throw new Error(broken.map((b) => `${b.redis ?? "redis"}: ${b.error ?? ""}`).join("; "));
    });
  }
} catch (err) {
  errors.push(`setup: ${err instanceof Error ? err.message.split("\n").slice(0, 5).join(" | ") : String(err)}`);
  log(`FAILED ${errors.at(-1) ?? ""}`);
} finally {
  await stack.stopAll();
}

if (distMtime() !== distAtStart)
  warnings.push(
    "the services' dist was rebuilt during the run (another build ran): the figures mix two versions; run again",
  );

// Exit status: non-zero only when the harness itself is broken — a section crashed, a process did not start,
// or a measurement got nothing at all (every request failed, no event delivered). Partial failures are
// findings about the system under test: reported as warnings, never a threshold.
for (const x of clusterTtftResults) if (x.ttft.n === 0) errors.push(`ttft on ${x.redis}: every request failed`);
for (const x of ttft) if (x.ttft.n === 0) errors.push(`ttft ${x.target} c=${x.concurrency}: every request failed`);
for (const x of throughput) if (x.failures >= x.streams) errors.push(`throughput ${x.target}: every stream failed`);
if (runner && runner.failures >= runner.turns) errors.push("runner: every turn failed");
for (const x of fanout)
  if (x.error === undefined && x.tokensReceived === 0) errors.push(`fanout ${x.design}: no event delivered at all`);
const failedRequests = [
  ...ttft.map((x) => x.failures),
  ...throughput.map((x) => x.failures),
  runner?.failures ?? 0,
].reduce((a, b) => a + b, 0);
if (failedRequests > 0) warnings.push(`${failedRequests} measured request(s) failed (see the failures columns)`);
for (const x of fanout) {
  if (
    x.error === undefined &&
    (x.tokensReceived < x.tokensExpected || x.streamsDone < x.opened || x.opened < x.streams)
  ) {
    warnings.push(
      `fanout ${x.design}: ${x.opened}/${x.streams} streams opened, ${x.streamsDone} finished, ${x.tokensReceived}/${x.tokensExpected} events delivered${x.redisClients?.length ? `; its Redis connections mid-run: ${x.redisClients.join(" | ")}` : ""}${x.serverWarnings?.length ? `; its last warnings: ${x.serverWarnings.join(" | ")}` : ""}`,
    );
  }
}

if (clusterRun) {
  const results: ClusterResults = {
    kind: quick ? "quick" : "full",
    startedAt: startedAt.toISOString(),
    durationS: round((Date.now() - t0) / 1000, 1),
    machine: machineNow(),
    code,
    params: {
      ttftRequestsC1: P.ttftRequestsC1,
      fanoutStreams: P.fanoutStreams,
      fanoutEvents: P.fanoutEvents,
      fanoutIntervalMs: P.fanoutIntervalMs,
    },
    masters: CLUSTER_MASTERS,
    ttft: clusterTtftResults,
    fanout,
    warnings,
    errors,
  };
  // A quick or partial run goes to results/tmp/ (gitignored).
  const dir = fileURLToPath(new URL(quick || only ? "../results/tmp/" : "../results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const md = clusterMarkdown(results);
  writeFileSync(`${dir}cluster.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${dir}cluster.md`, md);
  process.stdout.write(`${md}\n`);
  for (const w of warnings) log(`WARNING ${w}`);
  log(`wrote ${dir}cluster.json, .md${errors.length ? `; ${errors.length} harness error(s)` : ""}`);
  process.exit(errors.length > 0 ? 1 : 0);
}

function machineNow(): Results["machine"] {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "?",
    memGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    redis: redisVersion,
    os: `${platform()} ${release()}`,
    loadavgStart: loadStart,
    loadavgEnd: loadavg().map((v) => round(v, 2)),
  };
}

const base: Omit<Results, "targets"> = {
  kind: quick ? "quick" : "full",
  startedAt: startedAt.toISOString(),
  durationS: round((Date.now() - t0) / 1000, 1),
  machine: machineNow(),
  code,
  params: P,
  ttft,
  throughput,
  runner,
  fanout,
  ordering,
  ...(takeover !== undefined ? { takeover } : {}),
  warnings,
  errors,
};
const results: Results = { ...base, targets: evaluateTargets(base, P.fanoutStreams) };
// A profiled run is slowed by the profiler: its figures go next to the profiles, never over latest.*.
// A partial run (--only) goes to results/tmp/ (gitignored), so latest.* is always one whole run.
const dir = profile
  ? `${PROF_DIR}/`
  : fileURLToPath(new URL(only ? "../results/tmp/" : "../results/", import.meta.url));
mkdirSync(dir, { recursive: true });
const stem = `${profile ? "profile" : ""}${profile && (quick || only) ? "-" : ""}${quick ? "quick" : only ? "only" : profile ? "" : "latest"}`;
const md = markdown(results);
writeFileSync(`${dir}${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${dir}${stem}.md`, md);
writeFileSync(`${dir}${stem}.svg`, svg(results));
process.stdout.write(`${md}\n`);
if (profile) {
  const summary = summarizeProfiles(PROF_DIR, t0, roles);
  writeFileSync(`${PROF_DIR}/summary-${stem}.txt`, summary);
  process.stdout.write(`## CPU profiles (${PROF_DIR})\n\n${summary}\n`);
}
for (const w of warnings) log(`WARNING ${w}`);
log(`wrote ${dir}${stem}.json, .md, .svg${errors.length ? `; ${errors.length} harness error(s)` : ""}`);
process.exit(errors.length > 0 ? 1 : 0);
