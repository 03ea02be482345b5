#!/usr/bin/env node
// Composition root: read config once, build the adapters, wire them, start. Logic lives in packages.
import { createLogger, createTurnExecutor, describeTurnError } from "@acb/engine";
import { InMemoryChatHistoryStore, RedisChatHistoryStore, type ChatHistoryStore } from "@acb/history";
import { InMemoryTurnEventLog, InProcessTurnQueue, processTurn } from "@acb/turns";
import { serve } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { Redis } from "ioredis";
import { createApp } from "./app.js";
import { loadGatewayConfig } from "./config.js";
import { TurnService } from "./turn-service.js";

const loaded = loadGatewayConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`chat-gateway: ${loaded.message}\n`);
  process.exit(1);
}
const config = loaded.value;
const log = createLogger("chat-gateway", config.logLevel);

const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false }) : undefined;
redis?.on("error", (err: Error) => log.warn("redis error", { error: err.message }));
const history: ChatHistoryStore = redis ? new RedisChatHistoryStore(redis, config.history) : new InMemoryChatHistoryStore(config.history);

// Embedded turn pipeline: the same turn code the runner uses, behind in-memory queue and event log.
const eventLog = new InMemoryTurnEventLog();
const execute = createTurnExecutor({ history, model: config.model });
const queue = new InProcessTurnQueue((job) => processTurn(job, { eventLog, execute, describeError: describeTurnError }).then(() => undefined), config.embeddedConcurrency);
const turns = new TurnService(queue, eventLog, config.turnTimeoutMs);

let ws: ReturnType<typeof createNodeWebSocket> | undefined;
const app = createApp(
  {
    turns,
    mode: "embedded",
    log,
    maxBodyBytes: config.maxBodyBytes,
    heartbeatMs: config.heartbeatMs,
    turnTimeoutMs: config.turnTimeoutMs,
    readiness: [
      { name: "history", check: async () => ({ ok: await history.ping(), detail: redis ? "redis" : "memory" }) },
      { name: "runners", check: async () => ({ ok: (await queue.workers()) > 0, detail: "in-process" }) },
      { name: "model", optional: true, check: async () => ({ ok: true, detail: config.model.provider === "offline" ? "offline demo model" : `openai-compatible: ${config.model.model}` }) },
    ],
  },
  (root) => {
    ws = createNodeWebSocket({ app: root });
    ws.wss.options.maxPayload = config.maxBodyBytes * 2;
    return ws.upgradeWebSocket;
  },
);

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  log.info("listening", { host: config.host, port: info.port, mode: "embedded", model: config.model.provider === "offline" ? "offline demo model" : config.model.model, history: redis ? "redis" : "memory" });
});
ws?.injectWebSocket(server);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal });
  server.close();
  // Turns in flight finish and are committed before the process exits.
  await queue.close();
  await eventLog.close();
  await redis?.quit().catch(() => undefined);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
