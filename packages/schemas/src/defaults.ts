/**
 * The one place for defaults that both an env schema (config.ts) and a package (its options) need. Packages
 * build their DEFAULT_* constants from these, so a default changed here changes everywhere.
 */

/** Prefix of every Redis key the backend writes (REDIS_KEY_PREFIX, HISTORY_KEY_PREFIX). */
export const DEFAULT_KEY_PREFIX = "acb:";

/** Chat history: messages kept per session, and its expiry after the last write (HISTORY_MAX_MESSAGES, HISTORY_TTL_SECONDS). */
export const DEFAULT_HISTORY_MAX_MESSAGES = 200;
export const DEFAULT_HISTORY_TTL_SECONDS = 7 * 24 * 3600;
/** Bytes kept per session (oldest whole turns dropped first) and per stored tool result (HISTORY_MAX_BYTES, HISTORY_MAX_TOOL_RESULT_BYTES). */
export const DEFAULT_HISTORY_MAX_BYTES = 1024 * 1024;
export const DEFAULT_HISTORY_MAX_TOOL_RESULT_BYTES = 8 * 1024;
/** The largest byte bound a session may be given (HISTORY_MAX_BYTES, and an API key's `history_max_bytes`). */
export const HISTORY_MAX_BYTES_LIMIT = 512 * 1024 * 1024;

/** A turn's event log: how long it stays readable after `done`, and its approximate cap (TURN_EVENTS_RETENTION_MS, TURN_EVENTS_MAXLEN). */
export const DEFAULT_TURN_EVENTS_RETENTION_MS = 10 * 60_000;
export const DEFAULT_TURN_EVENTS_MAXLEN = 10_000;

/** The seed's default model (CHAT_MODEL_ID). */
export const DEFAULT_CHAT_MODEL = "gpt-4o-mini";
