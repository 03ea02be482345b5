import {
  DEFAULT_HISTORY_MAX_BYTES,
  DEFAULT_HISTORY_MAX_TOOL_RESULT_BYTES,
  DEFAULT_HISTORY_MAX_MESSAGES,
  DEFAULT_HISTORY_TTL_SECONDS,
  DEFAULT_KEY_PREFIX,
  SessionId,
  TurnId,
  type HistoryEnv,
} from "@acb/schemas";
import { z } from "zod";
import { InvalidHistoryKeyError } from "./errors.js";

export interface HistoryOptions {
  /** Redis key prefix, default "acb:" */
  keyPrefix: string;
  /** cap on stored messages per session (oldest dropped), default 200 */
  maxMessages: number;
  /** session expiry in seconds after last write; 0 = never. default 7 days */
  ttlSeconds: number;
  /** cap on a session's stored bytes (oldest whole turns dropped, the newest kept); 0 = none. default 1 MiB */
  maxBytes: number;
  /** a tool result larger than this is stored cut, with a marker (the model saw it whole). default 8 KiB */
  maxToolResultBytes: number;
}

export const DEFAULT_HISTORY_OPTIONS: HistoryOptions = Object.freeze({
  keyPrefix: DEFAULT_KEY_PREFIX,
  maxMessages: DEFAULT_HISTORY_MAX_MESSAGES,
  ttlSeconds: DEFAULT_HISTORY_TTL_SECONDS,
  maxBytes: DEFAULT_HISTORY_MAX_BYTES,
  maxToolResultBytes: DEFAULT_HISTORY_MAX_TOOL_RESULT_BYTES,
});

/** The options HISTORY_* ask for (HistoryEnv, parsed by the app that reads its environment). */
export function historyOptionsFromEnv(e: z.output<typeof HistoryEnv>): HistoryOptions {
  return {
    keyPrefix: e.HISTORY_KEY_PREFIX,
    maxMessages: e.HISTORY_MAX_MESSAGES,
    ttlSeconds: e.HISTORY_TTL_SECONDS,
    maxBytes: e.HISTORY_MAX_BYTES,
    maxToolResultBytes: e.HISTORY_MAX_TOOL_RESULT_BYTES,
  };
}

const optionsSchema = z.object({
  keyPrefix: z.string().max(256),
  maxMessages: z.number().int().positive(),
  ttlSeconds: z.number().int().nonnegative(),
  maxBytes: z.number().int().nonnegative(),
  maxToolResultBytes: z.number().int().positive(),
});

/** Merges partial options over the defaults and checks them (throws RangeError on nonsense such as maxMessages 0). */
export function resolveHistoryOptions(options: Partial<HistoryOptions> = {}): HistoryOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const parsed = optionsSchema.safeParse({ ...DEFAULT_HISTORY_OPTIONS, ...defined });
  if (!parsed.success) {
    throw new RangeError(`invalid history options: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * How many committed turn ids are remembered per session for idempotency. Turn ids older than this are
 * forgotten (their messages have long been trimmed away by maxMessages in any realistic session).
 */
export function turnMarkerCap(options: HistoryOptions): number {
  return Math.max(options.maxMessages, 1000);
}

/** The session id rule of the whole API (`SessionId` in @acb/schemas: no braces, so the Redis hash tag `{sessionId}` cannot be subverted). */
export function validateSessionId(sessionId: unknown): string {
  const parsed = SessionId.safeParse(sessionId);
  if (!parsed.success) throw new InvalidHistoryKeyError("sessionId", parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

/** The turn id rule of the whole API (`TurnId` in @acb/schemas). */
export function validateTurnId(turnId: unknown): string {
  const parsed = TurnId.safeParse(turnId);
  if (!parsed.success) throw new InvalidHistoryKeyError("turnId", parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}
