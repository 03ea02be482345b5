import { OPEN_TURN_TTL_MS } from "../keys.js";
import type { TurnCanceller } from "./types.js";

/** Cancel within one process. Remembers a cancel as long as the Redis adapter does, so a late watcher still aborts. */
export class InMemoryTurnCanceller implements TurnCanceller {
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly cancelled = new Map<string, NodeJS.Timeout>();

  async cancel(turnId: string): Promise<void> {
    clearTimeout(this.cancelled.get(turnId));
    const expiry = setTimeout(() => this.cancelled.delete(turnId), OPEN_TURN_TTL_MS);
    expiry.unref();
    this.cancelled.set(turnId, expiry);
    for (const fn of this.watchers.get(turnId) ?? []) fn();
  }

  async watch(turnId: string, onCancel: () => void): Promise<() => void> {
    let set = this.watchers.get(turnId);
    if (!set) {
      set = new Set();
      this.watchers.set(turnId, set);
    }
    set.add(onCancel);
    if (this.cancelled.has(turnId)) onCancel();
    return () => {
      set.delete(onCancel);
      if (set.size === 0) this.watchers.delete(turnId);
    };
  }

  async close(): Promise<void> {
    this.watchers.clear();
    for (const expiry of this.cancelled.values()) clearTimeout(expiry);
    this.cancelled.clear();
  }
}
