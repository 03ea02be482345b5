/**
 * Turn ownership: which scope (tenant, and subject when sessions are per subject) started a turn. The
 * gateway records it when it starts a turn and checks it wherever a turn id comes from a client, so another
 * tenant's turn id answers exactly like a turn that never existed.
 */
export interface TurnOwners {
  /**
   * Records `owner` for `turnId` for `ttlMs` (at least the turn's deadline plus its event retention).
   * First writer wins: returns false, changing nothing, when the turn already has an owner.
   */
  claim(turnId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** The recorded owner, or undefined when none was recorded or it expired. */
  ownerOf(turnId: string): Promise<string | undefined>;
  close(): Promise<void>;
}
