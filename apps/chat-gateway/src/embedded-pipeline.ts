// Embedded mode's pipeline: turns run in this process, so it needs the engine (LangChain, the model clients, the
// MCP SDK: about 0.8 s of CPU to load). main.ts imports this module dynamically, in embedded mode only.
import { McpToolbox } from "@acb/chains";
import { createTurnExecutor } from "@acb/engine";
import { bestEffort, type Logger } from "@acb/logger";
import { InMemoryChatHistoryStore } from "@acb/history";
import {
  InMemorySessionTurns,
  InMemoryTurnCanceller,
  InMemoryTurnEventLog,
  InMemoryTurnJournal,
  InMemoryTurnLimits,
  InMemoryTurnOwners,
  InMemoryUsageMeter,
  InProcessTurnQueue,
  observedEventLog,
  observedTurnQueue,
  processTurn,
  sessionGraceMs,
  sessionOrdered,
} from "@acb/turns";
import { instrumentToolCalls, modelCallHooks, tracedTurnExecutor, turnObserver } from "@acb/telemetry";
import type { TurnJob } from "@acb/schemas";
import type { GatewayConfig } from "./config.js";
import { defaultMcpServers } from "./default-mcp.js";
import { TurnAdmission } from "./limits/admission.js";
import { mcpCheck, ownershipTtlMs, type Pipeline } from "./pipelines.js";
import type { ReadinessCheck } from "./routes/health.js";
import { rejectionCounter, type GatewayTelemetry } from "./telemetry.js";
import { TurnService } from "./turn-service.js";
import { InMemoryActiveChats } from "./ui/active-chats.js";

/** No Redis: turns run in this process behind the in-memory adapters; the same turn code as the runner. */
export function embeddedPipeline(config: GatewayConfig, log: Logger, telemetry?: GatewayTelemetry): Pipeline {
  const history = new InMemoryChatHistoryStore(config.history);
  const eventLog = new InMemoryTurnEventLog({ retentionMs: config.eventRetentionMs, maxLen: config.eventMaxLen });
  const toolbox = new McpToolbox(
    config.mcpServers ?? defaultMcpServers({ filesRoot: config.filesRoot, docsDataDir: config.docsDataDir }),
    {
      toolTimeoutMs: config.mcpToolTimeoutMs,
      connectTimeoutMs: config.mcpConnectTimeoutMs,
      log: log.child({ component: "mcp" }),
      instrument: instrumentToolCalls(telemetry?.tools),
    },
  );
  // Connect to the MCP servers up front so the first turn does not pay for it (tools() itself never throws).
  void bestEffort(toolbox.tools(), log, "connecting to the MCP servers");
  const usage = new InMemoryUsageMeter();
  const limits = new InMemoryTurnLimits();
  const execute = tracedTurnExecutor(
    createTurnExecutor({
      history,
      model: config.model,
      tools: toolbox,
      useToolsInChat: config.useToolsInChat,
      log,
      usage,
      observeModel: telemetry && modelCallHooks(telemetry.turns),
    }),
  );
  const canceller = new InMemoryTurnCanceller();
  const journal = new InMemoryTurnJournal();
  const observer = telemetry !== undefined ? turnObserver(telemetry.turns) : undefined;
  // One turn at a time per session: when a turn ends, its session's next turn joins the queue.
  const sessions = new InMemorySessionTurns({ graceMs: sessionGraceMs(config.watchdogGraceMs) });
  // The turn's `done` is appended when processTurn returns: its concurrency slot is free from then on.
  const inProcess: InProcessTurnQueue = new InProcessTurnQueue((job): Promise<void> => runOrdered(job), {
    concurrency: config.embeddedConcurrency,
    maxWaiting: config.limits.maxQueuedTurns,
    log,
  });
  const runOrdered: (job: TurnJob) => Promise<void> = sessionOrdered(
    (job) =>
      processTurn(job, {
        eventLog,
        execute,
        canceller,
        journal,
        log,
        limits,
        ...(observer !== undefined ? { observer } : {}),
      }).then(() => undefined),
    { sessions, queue: inProcess, log },
  );
  const queue = observedTurnQueue(inProcess, telemetry?.http);
  const admission = new TurnAdmission(
    limits,
    config.limits,
    async () => inProcess.backlog(),
    rejectionCounter(telemetry),
  );
  return {
    mode: "embedded",
    activeChats: new InMemoryActiveChats(),
    usage,
    turns: new TurnService({
      queue,
      eventLog: telemetry !== undefined ? observedEventLog(eventLog, telemetry.http) : eventLog,
      turnTimeoutMs: config.turnTimeoutMs,
      ownership: { owners: new InMemoryTurnOwners(), ttlMs: ownershipTtlMs(config) },
      canceller,
      admission,
      sessions,
      log,
    }),
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

function modelCheck(config: GatewayConfig): ReadinessCheck {
  return {
    name: "model",
    optional: true,
    check: async () => ({
      ok: true,
      detail: config.model.provider === "offline" ? "offline demo model" : `openai-compatible: ${config.model.model}`,
    }),
  };
}
