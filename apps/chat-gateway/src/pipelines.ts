// The turn pipeline of a gateway, and distributed mode's: every turn goes to the runners through Redis. Composition
// only: every piece comes from a package. Nothing here loads LangChain, the model clients or the MCP SDK: embedded
// mode's pipeline (embedded-pipeline.ts), which does, is imported by main.ts in embedded mode only.
import { bestEffort, type Logger } from "@acb/logger";
import {
  BullTurnQueue,
  observedEventLog,
  observedTurnQueue,
  RedisRunnerRegistry,
  RedisSessionTurns,
  RedisTurnCanceller,
  RedisTurnEventLog,
  RedisTurnLimits,
  RedisTurnOwners,
  RedisUsageMeter,
  sessionGraceMs,
  warnUnlessDurable,
  type UsageMeter,
} from "@acb/turns";
import { RedisStateLog, sampledGauge } from "@acb/telemetry";
import { connectRedis, type RedisClient, type RedisTarget } from "@acb/turns";
import type { GatewayConfig } from "./config.js";
import { TurnAdmission } from "./limits/admission.js";
import { rejectionCounter, type GatewayTelemetry } from "./telemetry.js";
import type { ReadinessCheck } from "./routes/health.js";
import { RedisAvailability, type Availability } from "./availability.js";
import { QueuedTurnGuard } from "./turn-guard.js";
import { TurnService } from "./turn-service.js";
import { RedisActiveChats, type ActiveChats } from "./ui/active-chats.js";

export interface Pipeline {
  readonly mode: "embedded" | "distributed";
  readonly turns: TurnService;
  readonly readiness: ReadinessCheck[];
  readonly activeChats: ActiveChats;
  readonly usage: UsageMeter;
  /** Distributed mode: whether Redis can be reached (requests get 503 at once when not). */
  readonly availability?: Availability;
  close(): Promise<void>;
}

/** REDIS_URL or REDIS_CLUSTER_NODES set: every turn goes through the queue to the runners; the gateway never calls a model. */
export function distributedPipeline(
  config: GatewayConfig,
  target: RedisTarget,
  log: Logger,
  telemetry?: GatewayTelemetry,
): Pipeline {
  const connect = (): RedisClient => {
    // Fail fast, never hang: the gateway only enqueues (BullMQ's Queue does not need maxRetriesPerRequest: null, its
    // Worker does), so a command while Redis is down fails at once instead of waiting in ioredis' offline queue, and
    // one that Redis does not answer gives up after REDIS_COMMAND_TIMEOUT_MS (1.5 s by default). Requests then get
    // 503 + Retry-After (availability.ts).
    // The same options on a Redis Cluster (redis-connection.ts applies them to every node).
    const r = connectRedis(target, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: config.redisCommandTimeoutMs,
      connectionName: `acb-gateway:${process.pid}`,
    });
    redisState.watchClient(r);
    return r;
  };
  const redisState = new RedisStateLog(log, "gateway");
  const redis = connect();
  const eventLog = new RedisTurnEventLog(redis, {
    prefix: config.prefix,
    retentionMs: config.eventRetentionMs,
    maxLen: config.eventMaxLen,
    log,
  });
  const bullQueue = new BullTurnQueue({ prefix: config.prefix, connection: redis });
  redisState.watchErrors(bullQueue);
  const queue = observedTurnQueue(bullQueue, telemetry?.http);
  const registry = new RedisRunnerRegistry(redis, config.prefix);
  const runners = () => registry.list(30_000);
  const canceller = new RedisTurnCanceller(redis, config.prefix);
  // Waiting turns over all tenants: BullMQ's counts are a few O(1) reads in one script (README, Security › Limits).
  const admission = new TurnAdmission(
    new RedisTurnLimits(redis, config.prefix),
    config.limits,
    async () => (await queue.counts()).waiting ?? 0,
    rejectionCounter(telemetry),
  );
  const availability = new RedisAvailability(redis);
  void bestEffort(warnUnlessDurable(redis, log), log, "checking the Redis settings");
  const queuedGuard = new QueuedTurnGuard(queue, eventLog, 2_000, log);
  if (telemetry !== undefined)
    distributedGauges(
      telemetry,
      () => queue.counts(),
      async () => (await runners()).length,
    );
  const turns = new TurnService({
    queue,
    eventLog: telemetry !== undefined ? observedEventLog(eventLog, telemetry.http) : eventLog,
    turnTimeoutMs: config.turnTimeoutMs,
    watchdogGraceMs: config.watchdogGraceMs,
    ownership: { owners: new RedisTurnOwners(redis, config.prefix), ttlMs: ownershipTtlMs(config) },
    canceller,
    admission,
    availability,
    queuedGuard,
    sessions: new RedisSessionTurns(redis, config.prefix, { graceMs: sessionGraceMs(config.watchdogGraceMs) }),
    log,
  });
  const pong = async (): Promise<boolean> => (await redis.ping()) === "PONG";
  return {
    mode: "distributed",
    availability,
    activeChats: new RedisActiveChats(redis, config.prefix),
    usage: new RedisUsageMeter(redis, config.prefix),
    turns,
    readiness: [
      { name: "redis", check: async () => ({ ok: await pong() }) },
      // The runners keep the chat history in this Redis; the gateway never reads it, so it checks the store with the
      // same ping (as RedisChatHistoryStore.ping does) instead of loading the store and LangChain behind it. A failed
      // ping reads here as not ok with detail "redis" (the redis check's throw reads as "check failed or timed out").
      { name: "history", check: async () => ({ ok: await pong().catch(() => false), detail: "redis" }) },
      {
        name: "queue",
        check: async () => {
          const counts = await queue.counts();
          return { ok: true, detail: `waiting ${counts.waiting ?? 0}, active ${counts.active ?? 0}` };
        },
      },
      {
        name: "runners",
        check: async () => {
          const live = await runners();
          return { ok: live.length > 0, detail: `${live.length} runner(s) seen in the last 30 s` };
        },
      },
      // No model check: in distributed mode the gateway never calls a model (the runners report theirs).
      mcpCheck(async () => {
        // Runners own the MCP connections; report the union of what they see.
        const byName = new Map<string, { name: string; connected: boolean; tools: number }>();
        for (const r of await runners())
          for (const s of r.mcp) if (!byName.get(s.name)?.connected) byName.set(s.name, { ...s });
        return [...byName.values()];
      }),
      {
        name: "fanout",
        optional: true,
        check: async () => ({ ok: true, detail: `${eventLog.readerConnections()} fan-out subscriber connection(s)` }),
      },
    ],
    async close() {
      turns.close();
      await canceller.close();
      await eventLog.close();
      await bestEffort(queue.close(), log, "closing the turn queue");
      redis.disconnect();
    },
  };
}

/** A turn's owner outlives everything a client can still reach: its deadline, the watchdog, its events' retention. */
export function ownershipTtlMs(config: GatewayConfig): number {
  return config.turnTimeoutMs + config.watchdogGraceMs + config.eventRetentionMs + 60_000;
}

/** MCP is reported, never gating: without tools, chat falls back to the plain chain. */
export function mcpCheck(
  status: () =>
    | Array<{ name: string; connected: boolean; tools: number }>
    | Promise<Array<{ name: string; connected: boolean; tools: number }>>,
): ReadinessCheck {
  return {
    name: "mcp",
    optional: true,
    check: async () => {
      const servers = await status();
      const up = servers.filter((s) => s.connected);
      const detail = servers
        .map(
          (s) => `${s.name}: ${s.connected ? `${s.tools} tools` : "unreachable (chat falls back to the plain chain)"}`,
        )
        .join("; ");
      return { ok: servers.length > 0 && up.length === servers.length, detail: detail || "no MCP servers" };
    },
  };
}

/** Queue depth and live runners, read from Redis when scraped (cached 2 s). */
function distributedGauges(
  telemetry: GatewayTelemetry,
  counts: () => Promise<Record<string, number>>,
  liveRunners: () => Promise<number>,
): void {
  sampledGauge(telemetry.registry, {
    name: "acb_queue_jobs",
    help: "Turn jobs in the queue, by state (waiting, active, delayed, failed)",
    labelNames: ["state"],
    sample: async () => Object.entries(await counts()).map(([state, value]) => ({ labels: { state }, value })),
  });
  sampledGauge(telemetry.registry, {
    name: "acb_runners_alive",
    help: "Runners that sent a heartbeat in the last 30 s",
    sample: async () => [{ value: await liveRunners() }],
  });
}
