import { modelConfigFromEnv, type ModelConfig } from "@acb/chains/config";
import { historyOptionsFromEnv, type HistoryOptions } from "@acb/history/options";
import type { TurnAppEnvValues } from "@acb/schemas";

/** What both apps that run turns (gateway, runner) take from TurnAppEnv alike. */
export interface TurnAppConfig {
  readonly logLevel: "debug" | "info" | "warn" | "error" | "silent";
  readonly model: ModelConfig;
  readonly history: HistoryOptions;
  /** REDIS_KEY_PREFIX of every turn key. */
  readonly prefix: string;
  /** How long a finished turn's events stay readable (resume, GET /v1/turns/{id}/events). */
  readonly eventRetentionMs: number;
  readonly eventMaxLen: number;
  readonly useToolsInChat: boolean;
  readonly mcpToolTimeoutMs: number;
  readonly mcpConnectTimeoutMs: number;
}

export function turnAppConfigFromEnv(e: TurnAppEnvValues): TurnAppConfig {
  return {
    logLevel: e.LOG_LEVEL,
    model: modelConfigFromEnv(e),
    history: historyOptionsFromEnv(e),
    prefix: e.REDIS_KEY_PREFIX,
    eventRetentionMs: e.TURN_EVENTS_RETENTION_MS,
    eventMaxLen: e.TURN_EVENTS_MAXLEN,
    useToolsInChat: e.USE_MCP_IN_CHAT,
    mcpToolTimeoutMs: e.MCP_TOOL_TIMEOUT_MS,
    mcpConnectTimeoutMs: e.MCP_CONNECT_TIMEOUT_MS,
  };
}
