import { bestEffort, type Logger } from "@acb/logger";
import type { LoggedTurnEvent } from "@acb/schemas";

/**
 * `cancel_on_disconnect`: counts the followers (SSE streams, WebSockets, waiting JSON requests) of the turns
 * started with it on this gateway, and cancels a turn when its last follower goes away before `done`. A turn
 * nobody followed yet is not cancelled (its first follower may still be connecting).
 */
export class DisconnectCancels {
  private readonly followers = new Map<string, number>();

  constructor(
    private readonly cancel: (turnId: string) => Promise<unknown>,
    private readonly log: Logger,
    private readonly draining: () => boolean,
  ) {}

  /** `forgetAfterMs`: a turn nobody ever followed is forgotten after its deadline. */
  track(turnId: string, forgetAfterMs: number): void {
    this.followers.set(turnId, 0);
    setTimeout(() => {
      if (this.followers.get(turnId) === 0) this.followers.delete(turnId);
    }, forgetAfterMs).unref();
  }

  tracks(turnId: string): boolean {
    return this.followers.has(turnId);
  }

  async *follow(
    turnId: string,
    events: AsyncIterable<LoggedTurnEvent>,
    signal: AbortSignal,
  ): AsyncIterable<LoggedTurnEvent> {
    this.followers.set(turnId, (this.followers.get(turnId) ?? 0) + 1);
    let ended = false;
    try {
      for await (const entry of events) {
        if (entry.event.event === "done") ended = true;
        yield entry;
      }
    } finally {
      const left = (this.followers.get(turnId) ?? 1) - 1;
      if (ended) this.followers.delete(turnId);
      else if (left > 0) this.followers.set(turnId, left);
      else if (this.followers.has(turnId)) {
        this.followers.delete(turnId);
        if (signal.aborted && !this.draining())
          void bestEffort(
            this.cancel(turnId),
            this.log.child({ turn_id: turnId }),
            "cancelling a turn whose last follower left",
          );
      }
    }
  }
}
