#!/usr/bin/env node
// Composition root: read config once, build the adapters, wire them, start. Logic lives in packages.
import { McpToolbox } from "@acb/chains";
import { createTurnExecutor, type ToolSource } from "@acb/engine";
import { bestEffort, createLogger, exitOnFatal, failStart, listenFailure } from "@acb/logger";
import {
  createMetricsRegistry,
  exposition,
  instrumentToolCalls,
  RedisStateLog,
  startTracing,
  toolMetrics,
  tracedTurnExecutor,
  tracingConfigFromEnv,
  modelCallHooks,
  turnMetrics,
  turnObserver,
} from "@acb/telemetry";
import { RedisChatHistoryStore } from "@acb/history";
import {
  BullTurnQueue,
  processTurn,
  RedisRunnerRegistry,
  RedisSessionTurns,
  RunnerShutdownError,
  RedisTurnCanceller,
  RedisTurnEventLog,
  RedisTurnJournal,
  RedisTurnLimits,
  RedisUsageMeter,
  sessionGraceMs,
  sessionOrdered,
  TurnWorker,
  warnUnlessDurable,
} from "@acb/turns";
import { connectRedis, type RedisClient } from "@acb/turns";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { loadRunnerConfig } from "./config.js";
import { startProbeServer, type ProbeServer } from "./probes.js";

const loaded = loadRunnerConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`agent-runner: ${loaded.message}\n`);
  process.exit(1);
}
const config = loaded.value;
const runnerId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
const log = createLogger("agent-runner", config.logLevel);
exitOnFatal(log);
const tracingConfig = tracingConfigFromEnv(process.env, "agent-runner");
if (!tracingConfig.ok) failStart(log, tracingConfig.message);
const tracing = startTracing(tracingConfig.value);
const metricsRegistry = createMetricsRegistry({ service: "agent-runner" });
const metrics = { turns: turnMetrics(metricsRegistry), tools: toolMetrics(metricsRegistry) };
const redisState = new RedisStateLog(log, "runner");

const connect = (): RedisClient => {
  const r = connectRedis(config.redis, { maxRetriesPerRequest: null, connectionName: `acb-runner:${process.pid}` });
  redisState.watchClient(r);
  return r;
};
const redis = connect();
const history = new RedisChatHistoryStore(redis, config.history);
const eventLog = new RedisTurnEventLog(redis, {
  prefix: config.prefix,
  retentionMs: config.eventRetentionMs,
  maxLen: config.eventMaxLen,
  log,
});
const canceller = new RedisTurnCanceller(redis, config.prefix, log);
const registry = new RedisRunnerRegistry(redis, config.prefix);
// Completed steps per turn: when a runner dies, the runner that gets its job takes the turn over from them.
const journal = new RedisTurnJournal(redis, config.prefix);
const toolbox = new McpToolbox(config.mcpServers, {
  toolTimeoutMs: config.mcpToolTimeoutMs,
  connectTimeoutMs: config.mcpConnectTimeoutMs,
  log: log.child({ component: "mcp" }),
  instrument: instrumentToolCalls(metrics.tools),
});
const tools: ToolSource = toolbox;
const limits = new RedisTurnLimits(redis, config.prefix);
const execute = tracedTurnExecutor(
  createTurnExecutor({
    history,
    model: config.model,
    tools,
    useToolsInChat: config.useToolsInChat,
    log,
    usage: new RedisUsageMeter(redis, config.prefix),
    observeModel: modelCallHooks(metrics.turns),
  }),
);
const observer = turnObserver(metrics.turns);
const shutdown = new AbortController();
// One turn at a time per session: when a turn ends here, its session's next turn goes to the queue.
const sessions = new RedisSessionTurns(redis, config.prefix, { graceMs: sessionGraceMs() });
const nextTurns = new BullTurnQueue({ prefix: config.prefix, connection: redis });
redisState.watchErrors(nextTurns);

const worker = new TurnWorker(
  {
    prefix: config.prefix,
    connection: connect(),
    concurrency: config.concurrency,
    lockMs: config.lockMs,
    name: runnerId,
  },
  sessionOrdered(
    async (job) => {
      const started = Date.now();
      const outcome = await processTurn(job, {
        eventLog,
        execute,
        canceller,
        journal,
        shutdownSignal: shutdown.signal,
        log,
        observer,
        limits,
      });
      log.info("turn", { turn_id: job.turn_id, mode: job.mode, outcome, ms: Date.now() - started });
      return outcome;
    },
    { sessions, queue: nextTurns, log },
  ),
  (jobId, reason) => log.warn("refused an invalid job", { job_id: jobId ?? "", reason }),
);
redisState.watchErrors(worker);

async function beat(): Promise<void> {
  await registry.beat({
    id: runnerId,
    seen: Date.now(),
    concurrency: config.concurrency,
    mcp: toolbox.status().map((s) => ({ name: s.name, connected: s.connected, tools: s.tools })),
  });
}
// Connect to the MCP servers up front so the first turn does not pay for it and /readiness shows them.
void bestEffort(toolbox.tools().then(beat), log, "announcing the MCP servers");
void bestEffort(warnUnlessDurable(redis, log), log, "checking the Redis settings");
const heartbeat = setInterval(() => void bestEffort(beat(), log, "runner heartbeat"), config.heartbeatMs);

// Probes for orchestrators; ready = Redis answers and the worker is taking turns (not yet, or no longer).
let workerState: "starting" | "taking turns" | "shutting down" = "starting";
let probes: ProbeServer | undefined;
if (config.probes.port !== 0) {
  probes = await startProbeServer({
    ...config.probes,
    checks: [
      {
        name: "redis",
        check: async () =>
          redis.status === "ready" ? { ok: (await redis.ping()) === "PONG" } : { ok: false, detail: redis.status },
      },
      { name: "worker", check: async () => ({ ok: workerState === "taking turns", detail: workerState }) },
    ],
    routes: {
      "/metrics": async (_req, res) => {
        const { contentType, body } = await exposition(metricsRegistry);
        res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
        res.end(body);
      },
    },
    onError: (message) => log.warn(message),
  }).catch((err: unknown) => {
    // A runner without its probes and metrics is invisible to its orchestrator: fail the start, visibly.
    const { msg, fields } = listenFailure(err, config.probes.host, config.probes.port);
    return failStart(log, `probe listener: ${msg}`, {
      ...fields,
      hint: "set METRICS_PORT to a free port, or 0 to turn it off",
    });
  });
  if (probes !== undefined) log.info("probes listening", { host: config.probes.host, port: probes.port });
}
await worker.waitUntilReady();
workerState = "taking turns";
await bestEffort(beat(), log, "runner heartbeat");
log.info("ready", {
  runner: runnerId,
  concurrency: config.concurrency,
  model: config.model.provider === "offline" ? "offline demo model" : config.model.model,
  mcp_servers: Object.keys(config.mcpServers).join(","),
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  workerState = "shutting down";
  log.info("shutting down: no new turns, finishing the ones in flight", { signal, grace_ms: config.shutdownGraceMs });
  clearInterval(heartbeat);
  await bestEffort(registry.remove(runnerId), log, "removing this runner from the registry");
  const grace = setTimeout(() => {
    // Past the grace period: end the turns still running (error + done) rather than leave clients waiting.
    log.warn("grace period over: aborting turns in flight");
    shutdown.abort(new RunnerShutdownError());
  }, config.shutdownGraceMs);
  await worker.close();
  clearTimeout(grace);
  await bestEffort(toolbox.close(), log, "closing the MCP connections");
  await canceller.close();
  await bestEffort(nextTurns.close(), log, "closing the turn queue");
  await eventLog.close();
  await probes?.close();
  redis.disconnect();
  await tracing.shutdown();
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
