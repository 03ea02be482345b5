/**
 * What a cancelled turn leaves in its session's history: `interrupt` keeps what its clients already saw (the
 * input and the partial answer, marked interrupted); `rollback` keeps nothing.
 */
export type CancelMode = "interrupt" | "rollback";

export function asCancelMode(value: string | null | undefined): CancelMode {
  return value === "rollback" ? "rollback" : "interrupt";
}

/** Cancel seam: a gateway asks, the runner executing the turn aborts its AbortSignal. */
export interface TurnCanceller {
  /** Cancels `turnId` (default mode `interrupt`): watchers now, and whoever starts watching it later (the cancel is remembered). */
  cancel(turnId: string, mode?: CancelMode): Promise<void>;
  /** Calls `onCancel` when someone cancels `turnId`, or at once when it already was; returns an unsubscribe function. */
  watch(turnId: string, onCancel: (mode: CancelMode) => void): Promise<() => void>;
  close(): Promise<void>;
}
