#!/usr/bin/env node
// Composition root: read config once, build the adapters, wire them, start. Logic lives in packages.
import { McpToolbox } from "@acb/chains";
import { createTurnExecutor, type ToolSource } from "@acb/engine";
import { bestEffort, createLogger, errorMessage } from "@acb/logger";
import { RedisChatHistoryStore } from "@acb/history";
import { BullTurnQueue, processTurn, RedisRunnerRegistry, RedisSessionTurns, RunnerShutdownError, RedisTurnCanceller, RedisTurnEventLog, sessionGraceMs, sessionOrdered, TurnWorker } from "@acb/turns";
import { Redis } from "ioredis";
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

const connect = (): Redis => {
  const r = new Redis(config.redisUrl, { maxRetriesPerRequest: null, connectionName: `acb-runner:${process.pid}` });
  r.on("error", (err: Error) => log.warn("redis error", { error: err.message }));
  return r;
};
const redis = connect();
const history = new RedisChatHistoryStore(redis, config.history);
const eventLog = new RedisTurnEventLog(redis, { prefix: config.prefix, retentionMs: config.eventRetentionMs, maxLen: config.eventMaxLen, log });
const canceller = new RedisTurnCanceller(redis, config.prefix, log);
const registry = new RedisRunnerRegistry(redis, config.prefix);
const toolbox = new McpToolbox(config.mcpServers, {
  toolTimeoutMs: config.mcpToolTimeoutMs,
  connectTimeoutMs: config.mcpConnectTimeoutMs,
  log: log.child({ component: "mcp" }),
});
const tools: ToolSource = toolbox;
const execute = createTurnExecutor({ history, model: config.model, tools, useToolsInChat: config.useToolsInChat, log });
const shutdown = new AbortController();
// One turn at a time per session: when a turn ends here, its session's next turn goes to the queue.
const sessions = new RedisSessionTurns(redis, config.prefix, { graceMs: sessionGraceMs() });
const nextTurns = new BullTurnQueue({ prefix: config.prefix, connection: redis });

const worker = new TurnWorker(
  { prefix: config.prefix, connection: connect(), concurrency: config.concurrency, lockMs: config.lockMs, name: runnerId },
  sessionOrdered(async (job) => {
    const started = Date.now();
    const outcome = await processTurn(job, { eventLog, execute, canceller, shutdownSignal: shutdown.signal, log });
    log.info("turn", { turn_id: job.turn_id, mode: job.mode, outcome, ms: Date.now() - started });
    return outcome;
  }, { sessions, queue: nextTurns, log }),
  (jobId, reason) => log.warn("refused an invalid job", { job_id: jobId ?? "", reason }),
);
worker.on("error", (err) => log.warn("worker error", { error: errorMessage(err) }));

async function beat(): Promise<void> {
  await registry.beat({ id: runnerId, seen: Date.now(), concurrency: config.concurrency, mcp: toolbox.status().map((s) => ({ name: s.name, connected: s.connected, tools: s.tools })) });
}
// Connect to the MCP servers up front so the first turn does not pay for it and /readiness shows them.
void bestEffort(toolbox.tools().then(beat), log, "announcing the MCP servers");
const heartbeat = setInterval(() => void bestEffort(beat(), log, "runner heartbeat"), config.heartbeatMs);

// Probes for orchestrators; ready = Redis answers and the worker is taking turns (not yet, or no longer).
let workerState: "starting" | "taking turns" | "shutting down" = "starting";
let probes: ProbeServer | undefined;
if (config.probes.port !== 0) {
  probes = await startProbeServer({
    ...config.probes,
    checks: [
      { name: "redis", check: async () => (redis.status === "ready" ? { ok: (await redis.ping()) === "PONG" } : { ok: false, detail: redis.status }) },
      { name: "worker", check: async () => ({ ok: workerState === "taking turns", detail: workerState }) },
    ],
    // Metrics seam: pass `routes: { "/metrics": handler }` here.
    onError: (message) => log.warn(message),
  }).catch((err: Error) => {
    // The worker does not need the listener to do its job; an orchestrator's probes will say it is missing.
    log.error("probe listener not started", { host: config.probes.host, port: config.probes.port, error: err.message, hint: "set METRICS_PORT to a free port, or 0 to turn it off" });
    return undefined;
  });
  if (probes !== undefined) log.info("probes listening", { host: config.probes.host, port: probes.port });
}
await worker.waitUntilReady();
workerState = "taking turns";
await bestEffort(beat(), log, "runner heartbeat");
log.info("ready", { runner: runnerId, concurrency: config.concurrency, model: config.model.provider === "offline" ? "offline demo model" : config.model.model, mcp_servers: Object.keys(config.mcpServers).join(",") });

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
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
