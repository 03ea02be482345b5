import type { TurnEvent } from "@acb/schemas";

/** An `emit` that records events and yields a tick per event, like a real event log append does. */
export function collector(): { events: TurnEvent[]; emit: (e: TurnEvent) => Promise<void> } {
  const events: TurnEvent[] = [];
  return {
    events,
    emit: async (e) => {
      await new Promise((r) => setTimeout(r, 1));
      events.push(e);
    },
  };
}
