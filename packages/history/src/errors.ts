/** Thrown when a session id or turn id does not satisfy the key rules (see `validateSessionId` / `validateTurnId`). */
export class InvalidHistoryKeyError extends Error {
  override readonly name = "InvalidHistoryKeyError";
  /** Which identifier was rejected. */
  readonly field: "sessionId" | "turnId";

  constructor(field: "sessionId" | "turnId", reason: string) {
    super(`invalid ${field}: ${reason}`);
    this.field = field;
  }
}
