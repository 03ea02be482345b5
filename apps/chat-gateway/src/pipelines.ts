// Wiring of the two turn pipelines the gateway can run. Composition only: every piece comes from a package.
import { McpToolbox, type McpServerConfig } from "@acb/chains";
import { createTurnExecutor } from "@acb/engine";
import { bestEffort, type Logger } from "@acb/logger";
import { InMemoryChatHistoryStore, RedisChatHistoryStore } from "@acb/history";
import { BullTurnQueue, InMemoryTurnCanceller, InMemoryTurnEventLog, InMemoryTurnOwners, InProcessTurnQueue, processTurn, RedisRunnerRegistry, RedisTurnCanceller, RedisTurnEventLog, RedisTurnOwners } from "@acb/turns";
import { InMemorySessionTurns, RedisSessionTurns, sessionGraceMs, sessionOrdered } from "@acb/turns";
import type { TurnJob } from "@acb/schemas";
import { Redis } from "ioredis";
import { fileURLToPath } from "node:url";
import type { GatewayConfig } from "./config.js";
import type { ReadinessCheck } from "./routes/health.js";
import { TurnService } from "./turn-service.js";
import { InMemoryActiveChats, RedisActiveChats, type ActiveChats } from "./ui/active-chats.js";

export interface Pipeline {
  readonly mode: "embedded" | "distributed";
  readonly turns: TurnService;
  readonly readiness: ReadinessCheck[];
  readonly activeChats: ActiveChats;
  close(): Promise<void>;
}

/** Embedded mode's default tool source: this repo's file server over stdio, rooted at FILES_ROOT or the cwd. */
function defaultFileServer(filesRoot: string | undefined): Record<string, McpServerConfig> {
  const entry = fileURLToPath(new URL("../../mcp-fileserver/dist/main.js", import.meta.url));
  return { files: { transport: "stdio", command: process.execPath, args: [entry, "--root", filesRoot ?? process.cwd()] } };
}

/** No Redis: turns run in this process behind the in-memory adapters; the same turn code as the runner. */
export function embeddedPipeline(config: GatewayConfig, log: Logger): Pipeline {
  const history = new InMemoryChatHistoryStore(config.history);
  const eventLog = new InMemoryTurnEventLog({ retentionMs: config.eventRetentionMs, maxLen: config.eventMaxLen });
  const toolbox = new McpToolbox(config.mcpServers ?? defaultFileServer(config.filesRoot), {
    toolTimeoutMs: config.mcpToolTimeoutMs,
    connectTimeoutMs: config.mcpConnectTimeoutMs,
    log: log.child({ component: "mcp" }),
  });
  // Connect to the MCP servers up front so the first turn does not pay for it (tools() itself never throws).
  void bestEffort(toolbox.tools(), log, "connecting to the MCP servers");
  const execute = createTurnExecutor({ history, model: config.model, tools: toolbox, useToolsInChat: config.useToolsInChat, log });
  const canceller = new InMemoryTurnCanceller();
  // One turn at a time per session: when a turn ends, its session's next turn joins the queue.
  const sessions = new InMemorySessionTurns({ graceMs: sessionGraceMs(config.watchdogGraceMs) });
  const queue: InProcessTurnQueue = new InProcessTurnQueue((job): Promise<void> => runOrdered(job), config.embeddedConcurrency, log);
  const runOrdered: (job: TurnJob) => Promise<void> = sessionOrdered((job) => processTurn(job, { eventLog, execute, canceller, log }).then(() => undefined), { sessions, queue, log });
  return {
    mode: "embedded",
    activeChats: new InMemoryActiveChats(),
    turns: new TurnService({ queue, eventLog, turnTimeoutMs: config.turnTimeoutMs, ownership: { owners: new InMemoryTurnOwners(), ttlMs: ownershipTtlMs(config) }, canceller, sessions, log }),
    readiness: [
      { name: "history", check: async () => ({ ok: await history.ping(), detail: "memory" }) },
      { name: "runners", check: async () => ({ ok: (await queue.workers()) > 0, detail: "in-process" }) },
      modelCheck(config),
      mcpCheck(() => toolbox.status().map((s) => ({ name: s.name, connected: s.connected, tools: s.tools }))),
    ],
    async close() {
      await queue.close();
      await canceller.close();
      await bestEffort(toolbox.close(), log, "closing the MCP connections");
      await eventLog.close();
    },
  };
}

/** REDIS_URL set: every turn goes through the queue to the runners; the gateway never calls a model. */
export function distributedPipeline(config: GatewayConfig, redisUrl: string, log: Logger): Pipeline {
  const connect = (): Redis => {
    const r = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: `acb-gateway:${process.pid}` });
    r.on("error", (err: Error) => log.warn("redis error", { error: err.message }));
    return r;
  };
  const redis = connect();
  const history = new RedisChatHistoryStore(redis, config.history);
  const eventLog = new RedisTurnEventLog(redis, { prefix: config.prefix, retentionMs: config.eventRetentionMs, maxLen: config.eventMaxLen, log });
  const queue = new BullTurnQueue({ prefix: config.prefix, connection: redis });
  const registry = new RedisRunnerRegistry(redis, config.prefix);
  const runners = () => registry.list(30_000);
  const canceller = new RedisTurnCanceller(redis, config.prefix);
  const turns = new TurnService({
    queue,
    eventLog,
    turnTimeoutMs: config.turnTimeoutMs,
    watchdogGraceMs: config.watchdogGraceMs,
    ownership: { owners: new RedisTurnOwners(redis, config.prefix), ttlMs: ownershipTtlMs(config) },
    canceller,
    sessions: new RedisSessionTurns(redis, config.prefix, { graceMs: sessionGraceMs(config.watchdogGraceMs) }),
    log,
  });
  return {
    mode: "distributed",
    activeChats: new RedisActiveChats(redis, config.prefix),
    turns,
    readiness: [
      { name: "redis", check: async () => ({ ok: (await redis.ping()) === "PONG" }) },
      { name: "history", check: async () => ({ ok: await history.ping(), detail: "redis" }) },
      {
        name: "queue",
        check: async () => {
          const counts = await queue.counts();
          return { ok: true, detail: `waiting ${counts.waiting ?? 0}, active ${counts.active ?? 0}` };
        },
      },
      { name: "runners", check: async () => {
          const live = await runners();
          return { ok: live.length > 0, detail: `${live.length} runner(s) seen in the last 30 s` };
        } },
      modelCheck(config),
      mcpCheck(async () => {
        // Runners own the MCP connections; report the union of what they see.
        const byName = new Map<string, { name: string; connected: boolean; tools: number }>();
        for (const r of await runners()) for (const s of r.mcp) if (!byName.get(s.name)?.connected) byName.set(s.name, { ...s });
        return [...byName.values()];
      }),
      { name: "fanout", optional: true, check: async () => ({ ok: true, detail: `${eventLog.readerConnections()} fan-out subscriber connection(s)` }) },
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
function ownershipTtlMs(config: GatewayConfig): number {
  return config.turnTimeoutMs + config.watchdogGraceMs + config.eventRetentionMs + 60_000;
}

function modelCheck(config: GatewayConfig): ReadinessCheck {
  return { name: "model", optional: true, check: async () => ({ ok: true, detail: config.model.provider === "offline" ? "offline demo model" : `openai-compatible: ${config.model.model}` }) };
}

/** MCP is reported, never gating: without tools, chat falls back to the plain chain. */
function mcpCheck(status: () => Array<{ name: string; connected: boolean; tools: number }> | Promise<Array<{ name: string; connected: boolean; tools: number }>>): ReadinessCheck {
  return {
    name: "mcp",
    optional: true,
    check: async () => {
      const servers = await status();
      const up = servers.filter((s) => s.connected);
      const detail = servers.map((s) => `${s.name}: ${s.connected ? `${s.tools} tools` : "unreachable (chat falls back to the plain chain)"}`).join("; ");
      return { ok: servers.length > 0 && up.length === servers.length, detail: detail || "no MCP servers" };
    },
  };
}
