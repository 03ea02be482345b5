/**
 * The journal of a turn: the steps it completed (model responses, tool results), so that when the runner executing
 * it dies, the runner that takes the turn over rebuilds the agent from them and never runs a finished tool twice.
 * Entries are opaque text (the engine stores serialized LangChain messages); a field is written once per step.
 */
export interface TurnJournal {
  /** Records one completed step under `field` (e.g. `m:0`, `t:<call id>`); writing a field again replaces it. */
  record(turnId: string, field: string, value: string): Promise<void>;
  /** Every entry recorded for the turn (empty when none, or when the turn's journal was cleared or expired). */
  entries(turnId: string): Promise<Map<string, string>>;
  /** Forgets the turn's journal (its turn ended: a redelivered job then finds the turn finished, not a journal). */
  clear(turnId: string): Promise<void>;
}

/** How long a journal lives without being cleared: beyond any turn's deadline (a safety net, like OPEN_TURN_TTL_MS). */
export const JOURNAL_TTL_MS = 24 * 3600_000;
