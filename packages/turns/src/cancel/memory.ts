import { OPEN_TURN_TTL_MS } from "../keys.js";
import type { CancelMode, TurnCanceller } from "./types.js";

/** Cancel within one process. Remembers a cancel as long as the Redis adapter does, so a late watcher still aborts. */
export class InMemoryTurnCanceller implements TurnCanceller {
  private readonly watchers = new Map<string, Set<(mode: CancelMode) => void>>();
  private readonly cancelled = new Map<string, { mode: CancelMode; expiry: NodeJS.Timeout }>();

  async cancel(turnId: string, mode: CancelMode = "interrupt"): Promise<void> {
    clearTimeout(this.cancelled.get(turnId)?.expiry);
    const expiry = setTimeout(() => this.cancelled.delete(turnId), OPEN_TURN_TTL_MS);
    expiry.unref();
    this.cancelled.set(turnId, { mode, expiry });
    for (const fn of this.watchers.get(turnId) ?? []) fn(mode);
  }

  async watch(turnId: string, onCancel: (mode: CancelMode) => void): Promise<() => void> {
    let set = this.watchers.get(turnId);
    if (!set) {
      set = new Set();
      this.watchers.set(turnId, set);
    }
    set.add(onCancel);
    const earlier = this.cancelled.get(turnId);
    if (earlier !== undefined) onCancel(earlier.mode);
    return () => {
      set.delete(onCancel);
      if (set.size === 0) this.watchers.delete(turnId);
    };
  }

  async close(): Promise<void> {
    this.watchers.clear();
    for (const { expiry } of this.cancelled.values()) clearTimeout(expiry);
    this.cancelled.clear();
  }
}
