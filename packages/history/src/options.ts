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
  keyPrefix: "acb:",
  maxMessages: 200,
  ttlSeconds: 7 * 24 * 60 * 60,
  maxBytes: 1024 * 1024,
  maxToolResultBytes: 8 * 1024,
});

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

/** 1–128 chars of [A-Za-z0-9._:-]; no braces, so the Redis hash tag `{sessionId}` cannot be subverted. */
export const sessionIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, "only A-Z a-z 0-9 . _ : - are allowed");

/** 1–128 printable ASCII characters, no spaces. */
export const turnIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7E]+$/, "only printable ASCII without spaces is allowed");

export function validateSessionId(sessionId: unknown): string {
  const parsed = sessionIdSchema.safeParse(sessionId);
  if (!parsed.success) throw new InvalidHistoryKeyError("sessionId", parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

export function validateTurnId(turnId: unknown): string {
  const parsed = turnIdSchema.safeParse(turnId);
  if (!parsed.success) throw new InvalidHistoryKeyError("turnId", parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}
