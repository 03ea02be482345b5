import { envBool, envInt, envUrl, HistoryEnv, LogLevel, ModelEnv, parseEnv, type Env, type ParsedEnv } from "@acb/schemas";
import { resolveProvider, type ModelConfig } from "@acb/chains";
import type { HistoryOptions } from "@acb/history";
import { z } from "zod";

const GatewayEnv = z.object({
  PORT: envInt(8000, 1, 65_535),
  HOST: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).default("127.0.0.1")),
  REDIS_URL: envUrl(/^rediss?:$/),
  LOG_LEVEL: LogLevel,
  TURN_TIMEOUT_MS: envInt(120_000, 1_000, 3_600_000),
  MAX_BODY_BYTES: envInt(256 * 1024, 1_024, 16 * 1024 * 1024),
  SSE_HEARTBEAT_MS: envInt(15_000, 100, 300_000),
  EMBEDDED_CONCURRENCY: envInt(16, 1, 10_000),
  ...ModelEnv.shape,
  ...HistoryEnv.shape,
});

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: embedded mode (in-memory queue, event log and history, turns run in this process). */
  readonly redisUrl: string | undefined;
  readonly logLevel: "debug" | "info" | "warn" | "error" | "silent";
  readonly turnTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  readonly embeddedConcurrency: number;
  readonly model: ModelConfig;
  readonly history: HistoryOptions;
}

export function loadGatewayConfig(env: Env): ParsedEnv<GatewayConfig> {
  const parsed = parseEnv(GatewayEnv, env);
  if (!parsed.ok) return parsed;
  const e = parsed.value;
  return {
    ok: true,
    value: {
      port: e.PORT,
      host: e.HOST,
      redisUrl: e.REDIS_URL,
      logLevel: e.LOG_LEVEL,
      turnTimeoutMs: e.TURN_TIMEOUT_MS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      heartbeatMs: e.SSE_HEARTBEAT_MS,
      embeddedConcurrency: e.EMBEDDED_CONCURRENCY,
      model: {
        provider: resolveProvider(e.MODEL_PROVIDER, e.OPENAI_API_KEY, e.OPENAI_BASE_URL),
        ...(e.OPENAI_API_KEY !== undefined ? { apiKey: e.OPENAI_API_KEY } : {}),
        ...(e.OPENAI_BASE_URL !== undefined ? { baseUrl: e.OPENAI_BASE_URL } : {}),
        model: e.CHAT_MODEL_ID,
        ...(e.MODEL_TEMPERATURE !== undefined ? { temperature: e.MODEL_TEMPERATURE } : {}),
        timeoutMs: e.MODEL_TIMEOUT_MS,
        maxRetries: e.MODEL_MAX_RETRIES,
      },
      history: { keyPrefix: e.HISTORY_KEY_PREFIX, maxMessages: e.HISTORY_MAX_MESSAGES, ttlSeconds: e.HISTORY_TTL_SECONDS },
    },
  };
}
