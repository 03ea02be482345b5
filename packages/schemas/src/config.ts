import { z } from "zod";
import { shownValue } from "./secrets.js";
import {
  DEFAULT_CHAT_MODEL,
  DEFAULT_HISTORY_MAX_BYTES,
  DEFAULT_HISTORY_MAX_TOOL_RESULT_BYTES,
  DEFAULT_HISTORY_MAX_MESSAGES,
  DEFAULT_HISTORY_TTL_SECONDS,
  DEFAULT_KEY_PREFIX,
  DEFAULT_TURN_EVENTS_MAXLEN,
  DEFAULT_TURN_EVENTS_RETENTION_MS,
  HISTORY_MAX_BYTES_LIMIT,
} from "./defaults.js";

/**
 * Env parsing shared by the apps' config modules. Apps read the environment once and pass it here; packages
 * never read it. A bad value fails start-up with one line naming the variable.
 */
export type Env = Readonly<Record<string, string | undefined>>;

const emptyToUndefined = (v: unknown): unknown => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const envInt = (def: number, min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `must be an integer between ${min} and ${max}` })
      .int({ error: `must be an integer between ${min} and ${max}` })
      .min(min, { error: `must be an integer between ${min} and ${max}` })
      .max(max, { error: `must be an integer between ${min} and ${max}` })
      .default(def),
  );

export const envNumber = (min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `must be a number between ${min} and ${max}` })
      .min(min)
      .max(max)
      .optional(),
  );

export const envBool = (def: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], { error: "must be true or false" })
      .default(def ? "true" : "false")
      .transform((v) => v === "true" || v === "1" || v === "yes" || v === "on"),
  );

export const envString = () => z.preprocess(emptyToUndefined, z.string().optional());

export const envUrl = (protocols: RegExp) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (v) => {
          try {
            return protocols.test(new URL(v).protocol);
          } catch {
            return false;
          }
        },
        { error: "must be a valid URL" },
      )
      .optional(),
  );

export const LogLevel = z.preprocess(
  emptyToUndefined,
  z
    .enum(["debug", "info", "warn", "error", "silent"], { error: "must be one of debug, info, warn, error, silent" })
    .default("info"),
);

/** The model settings every app that runs turns shares (the seed's names first). */
export const ModelEnv = z.object({
  OPENAI_API_KEY: envString(),
  OPENAI_BASE_URL: envUrl(/^https?:$/),
  CHAT_MODEL_ID: z.preprocess(emptyToUndefined, z.string().default(DEFAULT_CHAT_MODEL)),
  MODEL_PROVIDER: z.preprocess(
    emptyToUndefined,
    z.enum(["openai", "offline"], { error: "must be openai or offline" }).optional(),
  ),
  MODEL_TEMPERATURE: envNumber(0, 2),
  MODEL_TIMEOUT_MS: envInt(60_000, 100, 3_600_000),
  MODEL_MAX_RETRIES: envInt(2, 0, 10),
});

export const HistoryEnv = z.object({
  HISTORY_KEY_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9:._-]{0,64}$/, { error: "may only contain letters, digits, ':', '.', '_' and '-'" })
      .default(DEFAULT_KEY_PREFIX),
  ),
  HISTORY_MAX_MESSAGES: envInt(DEFAULT_HISTORY_MAX_MESSAGES, 2, 100_000),
  HISTORY_TTL_SECONDS: envInt(DEFAULT_HISTORY_TTL_SECONDS, 0, 365 * 24 * 3600),
  HISTORY_MAX_BYTES: envInt(DEFAULT_HISTORY_MAX_BYTES, 0, HISTORY_MAX_BYTES_LIMIT),
  HISTORY_MAX_TOOL_RESULT_BYTES: envInt(DEFAULT_HISTORY_MAX_TOOL_RESULT_BYTES, 256, 16 * 1024 * 1024),
});

export type ParsedEnv<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parses env with a schema; on failure, one line naming the first bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): ParsedEnv<z.output<S>> {
  const result = schema.safeParse(env);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const name = issue?.path.map(String).join(".") ?? "(env)";
  const value = shownValue(name, env[name]);
  const shown = value !== undefined ? ` (got ${value})` : "";
  return { ok: false, message: `invalid configuration: ${name} ${issue?.message ?? "is invalid"}${shown}` };
}

/** MCP settings (the seed's names first). Values stay raw strings here; @acb/chains parses the server map. */
export const McpEnv = z.object({
  USE_MCP_IN_CHAT: envBool(true),
  MCP_SERVER_URL: envString(),
  MCP_TRANSPORT: envString(),
  MCP_SERVERS: envString(),
  MCP_STDIO_COMMAND: envString(),
  MCP_STDIO_ARGS: envString(),
  MCP_TOOL_TIMEOUT_MS: envInt(30_000, 100, 600_000),
  MCP_CONNECT_TIMEOUT_MS: envInt(5_000, 100, 120_000),
  FILES_ROOT: envString(),
});

/** Turn pipeline settings shared by the gateway and the runner. */
export const TurnsEnv = z.object({
  TURN_EVENTS_RETENTION_MS: envInt(DEFAULT_TURN_EVENTS_RETENTION_MS, 1_000, 7 * 24 * 3600_000),
  TURN_EVENTS_MAXLEN: envInt(DEFAULT_TURN_EVENTS_MAXLEN, 100, 10_000_000),
  REDIS_KEY_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9:._-]{0,64}$/, { error: "may only contain letters, digits, ':', '.', '_' and '-'" })
      .default(DEFAULT_KEY_PREFIX),
  ),
});

/** What both apps that run turns (gateway, runner) read besides their own settings. */
export const TurnAppEnv = z.object({
  REDIS_URL: envUrl(/^rediss?:$/),
  /** host:port,… of a Redis Cluster (instead of REDIS_URL). */
  REDIS_CLUSTER_NODES: envString(),
  LOG_LEVEL: LogLevel,
  ...ModelEnv.shape,
  ...HistoryEnv.shape,
  ...McpEnv.shape,
  ...TurnsEnv.shape,
});
export type TurnAppEnvValues = z.output<typeof TurnAppEnv>;
