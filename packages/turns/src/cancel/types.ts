/** Cancel seam: a gateway asks, the runner executing the turn aborts its AbortSignal. */
export interface TurnCanceller {
  /** Cancels `turnId`: watchers now, and whoever starts watching it later (the cancel is remembered). */
  cancel(turnId: string): Promise<void>;
  /** Calls `onCancel` when someone cancels `turnId`, or at once when it already was; returns an unsubscribe function. */
  watch(turnId: string, onCancel: () => void): Promise<() => void>;
  close(): Promise<void>;
}
