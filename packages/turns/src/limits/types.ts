/**
 * Per-tenant (or per-key) turn limits, shared by every gateway replica: turns per minute, input characters
 * per minute, and turns running at once. Rates are GCRA (a token bucket with a burst of the whole per-minute
 * quota, refilled continuously), so there is no minute boundary that lets twice the quota through. A running
 * turn holds a slot until it is released (its `done` was appended) or its deadline passes, whichever comes
 * first, so a gateway or runner that crashed never leaks a slot.
 */
export interface LimitPolicy {
  /** RATE_LIMIT_TURNS_PER_MINUTE; undefined = unlimited. */
  readonly turnsPerMinute?: number;
  /** RATE_LIMIT_INPUT_CHARS_PER_MINUTE; undefined = unlimited. */
  readonly inputCharsPerMinute?: number;
  /** MAX_CONCURRENT_TURNS_PER_TENANT; undefined = unlimited. */
  readonly maxConcurrent?: number;
  /**
   * An API key's `max_queued_turns`: its turns admitted but not yet started by a runner (in the queue, or behind
   * their session's running turn). A turn leaves this count when a runner starts it (`started`), when it is
   * released, or at its deadline. Undefined = unlimited.
   */
  readonly maxQueued?: number;
}

export type LimitName = "turns" | "input_chars" | "concurrent" | "queued";

/** Where one limit stands after an admission (for the RateLimit header). */
export interface LimitState {
  readonly name: LimitName;
  readonly limit: number;
  readonly remaining: number;
  /** Rates: ms until the whole quota is available again; concurrency and queued: ms until the earliest deadline. */
  readonly resetMs: number;
}

export interface AdmitRequest {
  /** Whose quota: `t.<tenant>` or `k.<key>` (any string; hashed into the keys). */
  readonly bucket: string;
  readonly turnId: string;
  /** Epoch ms after which the slot frees itself. */
  readonly deadlineAt: number;
  readonly inputChars: number;
  readonly policy: LimitPolicy;
}

export type Admission =
  | { readonly admitted: true; readonly states: readonly LimitState[] }
  | {
      readonly admitted: false;
      readonly exceeded: LimitName;
      readonly retryAfterMs: number;
      readonly states: readonly LimitState[];
    };

export interface TurnLimits {
  /** Admits the turn against every limit of its policy at once, or refuses it consuming nothing. */
  admit(request: AdmitRequest): Promise<Admission>;
  /** Frees the turn's concurrency slot and its queued place (its `done` was appended). Unknown or already released: nothing. */
  release(turnId: string): Promise<void>;
  /** A runner started the turn: it no longer counts as queued (its concurrency slot stays). Unknown: nothing. */
  started(turnId: string): Promise<void>;
  close(): Promise<void>;
}

/** What an adapter measured for one configured limit (absent: the policy sets no such limit). */
export type LimitReading = Omit<LimitState, "name">;

/** The order limits are checked in (the first one full refuses the turn) and listed in the RateLimit header. */
export const LIMIT_ORDER: readonly LimitName[] = ["turns", "input_chars", "concurrent", "queued"];

/**
 * Where a count of held places (concurrency slots, queued places) stands against its limit; `resetMs` is ms until
 * the earliest of their deadlines.
 */
export function heldReading(limit: number, count: number, resetMs: number): LimitReading {
  return { limit, remaining: Math.max(0, limit - count), resetMs };
}

/**
 * The answer of both adapters: one state per configured limit (turns, input_chars, concurrent, queued: the order of the
 * RateLimit header), and when a limit refused the turn, which one and when to retry.
 */
export function admissionOf(
  readings: Partial<Record<LimitName, LimitReading>>,
  exceeded: LimitName | undefined,
  retryAfterMs: number,
): Admission {
  const states = LIMIT_ORDER.flatMap((name): LimitState[] => {
    const reading = readings[name];
    return reading ? [{ name, ...reading }] : [];
  });
  return exceeded === undefined ? { admitted: true, states } : { admitted: false, exceeded, retryAfterMs, states };
}

/** The limit admit.lua names as exceeded ("" when none did). */
export function exceededLimit(reply: string): LimitName | undefined {
  const name = LIMIT_ORDER.find((n) => n === reply);
  if (reply !== "" && name === undefined) throw new Error(`admit.lua answered an unknown limit "${reply}"`);
  return name;
}

/** The window every per-minute quota is spread over. */
export const RATE_WINDOW_MS = 60_000;
/**
 * Retry-After for a full concurrency or queued limit: a slot frees when any turn ends (a queued place when any
 * turn starts), at the latest at its deadline.
 */
export const CONCURRENCY_RETRY_CAP_MS = 5_000;

/**
 * GCRA for one quota: `tat` is the theoretical arrival time (epoch ms) stored for the bucket. Shared by the
 * memory adapter; admit.lua does the same arithmetic.
 */
export function gcra(
  tat: number,
  now: number,
  cost: number,
  limit: number,
): { ok: boolean; tat: number; retryAfterMs: number; remaining: number; resetMs: number } {
  const interval = RATE_WINDOW_MS / limit;
  const base = Math.max(tat, now);
  const next = base + cost * interval;
  const allowAt = next - RATE_WINDOW_MS;
  if (allowAt > now) {
    return {
      ok: false,
      tat: base,
      retryAfterMs: allowAt - now,
      remaining: Math.max(0, Math.floor((now + RATE_WINDOW_MS - base) / interval)),
      resetMs: base - now,
    };
  }
  return {
    ok: true,
    tat: next,
    retryAfterMs: 0,
    remaining: Math.max(0, Math.floor((now + RATE_WINDOW_MS - next) / interval)),
    resetMs: next - now,
  };
}
