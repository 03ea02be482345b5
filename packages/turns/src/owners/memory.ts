import type { TurnOwners } from "./types.js";

/** Embedded mode's owners: a map with per-entry expiry, swept as it grows so it stays bounded by live turns. */
export class InMemoryTurnOwners implements TurnOwners {
  private readonly owners = new Map<string, { owner: string; expiresAt: number }>();
  private claimsSinceSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async claim(turnId: string, owner: string, ttlMs: number): Promise<boolean> {
    if (++this.claimsSinceSweep >= 1_000) this.sweep();
    if ((await this.ownerOf(turnId)) !== undefined) return false;
    this.owners.set(turnId, { owner, expiresAt: this.now() + ttlMs });
    return true;
  }

  async ownerOf(turnId: string): Promise<string | undefined> {
    const entry = this.owners.get(turnId);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.owners.delete(turnId);
      return undefined;
    }
    return entry.owner;
  }

  /** Entries currently held (for tests of boundedness). */
  size(): number {
    return this.owners.size;
  }

  private sweep(): void {
    this.claimsSinceSweep = 0;
    const now = this.now();
    for (const [id, entry] of this.owners) if (entry.expiresAt <= now) this.owners.delete(id);
  }

  async close(): Promise<void> {
    this.owners.clear();
  }
}
