// Embedded mode's engine: the chat history, the MCP toolbox and the turn executor, the only part of the gateway that needs LangChain,
// the model clients and the MCP SDK (about 1 s of CPU to import). pipelines.ts imports this module dynamically, in
// embedded mode only: a gateway in distributed mode never loads them (its runners do the turns).
import { McpToolbox, type McpServerStatus } from "@acb/chains";
import { createTurnExecutor } from "@acb/engine";
import { InMemoryChatHistoryStore, type ChatHistoryStore } from "@acb/history";
import { bestEffort, type Logger } from "@acb/logger";
import { instrumentToolCalls, tracedTurnExecutor, tracingEnabled } from "@acb/telemetry";
import type { TurnExecutor, UsageMeter } from "@acb/turns";
import type { GatewayConfig } from "./config.js";
import { defaultMcpServers } from "./default-mcp.js";
import type { GatewayTelemetry } from "./telemetry.js";

export interface EmbeddedEngine {
  /** The sessions' chat history, in this process (HISTORY_* bounds). */
  readonly history: ChatHistoryStore;
  readonly execute: TurnExecutor;
  /** The MCP servers as the toolbox sees them (the readiness `mcp` check). */
  mcpStatus(): McpServerStatus[];
  close(): Promise<void>;
}

export function embeddedEngine(
  config: GatewayConfig,
  deps: { usage: UsageMeter; log: Logger; telemetry: GatewayTelemetry | undefined },
): EmbeddedEngine {
  const { log, telemetry } = deps;
  const history = new InMemoryChatHistoryStore(config.history);
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
  const execute = tracedTurnExecutor(
    createTurnExecutor({
      history,
      model: config.model,
      tools: toolbox,
      useToolsInChat: config.useToolsInChat,
      log,
      usage: deps.usage,
      observeModel: modelTelemetry(telemetry),
    }),
  );
  return {
    history,
    execute,
    mcpStatus: () => toolbox.status(),
    close: () => toolbox.close(),
  };
}

/** Model-call telemetry for the executor: usage and call counts always, `chat {model}` spans when tracing is on. */
function modelTelemetry(
  telemetry: GatewayTelemetry | undefined,
): Parameters<typeof createTurnExecutor>[0]["observeModel"] {
  if (telemetry === undefined) return undefined;
  return {
    trace: tracingEnabled(),
    onUsage: (input, output) => {
      telemetry.turns.modelTokens.inc({ type: "input" }, input);
      telemetry.turns.modelTokens.inc({ type: "output" }, output);
    },
    onCall: (outcome) => telemetry.turns.modelCalls.inc({ outcome }),
  };
}
