import {
  DEFAULT_TURN_EVENTS_MAXLEN,
  DEFAULT_TURN_EVENTS_RETENTION_MS,
  type LoggedTurnEvent,
  type TurnEvent,
} from "@acb/schemas";

/**
 * The per-turn event log. Entry ids are ordered strings of the Redis Stream form `<ms>-<seq>`; they are the
 * SSE `id:` values, so `Last-Event-ID` resumes exactly after the last event a client saw.
 */
export interface TurnEventLog {
  /**
   * Appends one event and returns its entry id. Appending `done` ends the turn and starts the log's expiry
   * clock; anything appended after that is dropped (`undefined`), so a turn has exactly one `done` even when
   * a runner and a watchdog race to end it.
   */
  append(turnId: string, event: TurnEvent): Promise<string | undefined>;
  /** Events strictly after `afterId` ("0" = from the start), oldest first, at most `count`. */
  read(turnId: string, afterId: string, count?: number): Promise<LoggedTurnEvent[]>;
  /** Every event after `afterId`, live, ending after the terminal `done` event, or when `signal` aborts. */
  follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent>;
  /** Whether any event was ever appended (and not yet expired) for this turn. */
  exists(turnId: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface EventLogOptions {
  /** Approximate cap on entries per turn (Redis `MAXLEN ~`). */
  maxLen: number;
  /** How long a turn's log stays readable after its terminal event. */
  retentionMs: number;
}

export const DEFAULT_EVENT_LOG_OPTIONS: EventLogOptions = {
  maxLen: DEFAULT_TURN_EVENTS_MAXLEN,
  retentionMs: DEFAULT_TURN_EVENTS_RETENTION_MS,
};
