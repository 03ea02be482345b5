import type { LoggedTurnEvent } from "@acb/schemas";

/**
 * What the clients of a turn already received when its runner died: rebuilt from the turn's event log (which is
 * exactly what every client got or can still get by resuming). The runner taking the turn over continues from it.
 */
export interface TurnTakeover {
  /** Every token's text, in order. */
  readonly text: string;
  /** Tool calls whose `tool_start` / `tool_end` are already in the log (by call id). */
  readonly startedCalls: ReadonlySet<string>;
  readonly endedCalls: ReadonlySet<string>;
}

export function deliveredSoFar(events: readonly LoggedTurnEvent[]): TurnTakeover {
  let text = "";
  const startedCalls = new Set<string>();
  const endedCalls = new Set<string>();
  for (const { event } of events) {
    if (event.event === "token") text += event.data;
    else if (event.event === "tool_start" && event.call_id !== undefined) startedCalls.add(event.call_id);
    else if (event.event === "tool_end" && event.call_id !== undefined) endedCalls.add(event.call_id);
  }
  return { text, startedCalls, endedCalls };
}
