import type { TurnJournal } from "./types.js";

/** Embedded mode's journal: one process, so no runner can die under a turn; kept for the same code path. */
export class InMemoryTurnJournal implements TurnJournal {
  private readonly turns = new Map<string, Map<string, string>>();

  async record(turnId: string, field: string, value: string): Promise<void> {
    let entries = this.turns.get(turnId);
    if (entries === undefined) {
      entries = new Map();
      this.turns.set(turnId, entries);
    }
    entries.set(field, value);
  }

  async entries(turnId: string): Promise<Map<string, string>> {
    return new Map(this.turns.get(turnId));
  }

  async clear(turnId: string): Promise<void> {
    this.turns.delete(turnId);
  }
}
