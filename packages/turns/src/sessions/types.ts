import type { MultitaskStrategy, TurnJob } from "@acb/schemas";

/**
 * How a session took a new turn:
 * - `run`: it is the session's active turn now; the caller hands it to the queue.
 * - `queued`: it waits behind `active` (with `interrupt`/`rollback` it is next in line; the caller cancels
 *   `active`). `promoted` is set when the session's previous active turn had expired (a crash nobody ended):
 *   that waiting turn became active instead, and the caller hands `promoted` to the queue.
 * - `busy`: strategy `reject` and `active` is running; nothing was recorded.
 */
export type SessionAdmission =
  | { readonly status: "run" }
  | { readonly status: "queued"; readonly active: string; readonly promoted?: TurnJob }
  | { readonly status: "busy"; readonly active: string };

/**
 * One session, one turn at a time (double-texting). Each session has an active turn and a waiting list; only
 * the active turn is in the turn queue, so runners never hold a slot for a session that waits. Whoever ends a
 * turn (processTurn's caller, the gateway's watchdog) calls `finish`, which makes the next waiting turn active
 * and returns it for the queue. The active claim expires at its turn's deadline plus a grace, so a turn whose
 * every ender crashed blocks its session no longer than that.
 *
 * `sessionKey` is the tenant-scoped key (`scopedSessionKey`), so two tenants' equal session ids never wait on
 * each other.
 */
export interface SessionTurns {
  submit(sessionKey: string, job: TurnJob, strategy: MultitaskStrategy): Promise<SessionAdmission>;
  /**
   * The turn ended. When it was the session's active turn, the next waiting turn (if any) becomes active and is
   * returned (the caller enqueues it); a turn still waiting is taken off the list. Idempotent.
   */
  finish(sessionKey: string, turnId: string): Promise<TurnJob | undefined>;
  /** Takes a turn that is still waiting off its session's list (a cancel before it ran); its job when it was waiting. */
  withdraw(sessionKey: string, turnId: string): Promise<TurnJob | undefined>;
  /** The session's active turn id, if any. */
  active(sessionKey: string): Promise<string | undefined>;
  /** The session key a turn was submitted under (remembered as long as the turn can still be cancelled). */
  sessionOf(turnId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * How long past its deadline a turn keeps its session's active claim: longer than the gateway's watchdog grace
 * (the watchdog ends an overdue turn and hands its session on), so the expiry is only the last resort.
 */
export function sessionGraceMs(watchdogGraceMs = 10_000): number {
  return watchdogGraceMs + 30_000;
}

export interface SessionTurnsOptions {
  /** How long past its deadline a turn keeps its session's active claim (the runner's and watchdog's time to end it). */
  readonly graceMs: number;
}
