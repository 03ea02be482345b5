import type { TurnEvent } from "@acb/schemas";

/**
 * Most characters merged into one token event. Readers bound what they hold for a slow client in entries (the
 * gateway's follower keeps at most 256, see event-log/fanout.ts): unbounded merging made a 5 MB answer 25 entries of
 * 200 KB, all of them held by the gateway for a paused reader. 4 Ki characters still merge ~1,000 typical tokens.
 */
export const MAX_COALESCED_TOKEN_CHARS = 4_096;

/**
 * Writes a turn's events in order, one append at a time, and merges tokens that arrive while an append is
 * in flight into one token event. An idle writer appends at once (no added latency for the first token);
 * a busy one turns N small appends into one, which is what keeps a runner or gateway fast under load.
 * The text a client rebuilds is unchanged; only the chunking is coarser (up to MAX_COALESCED_TOKEN_CHARS). Non-token
 * events are never merged.
 */
export class CoalescingWriter {
  private readonly queue: TurnEvent[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly append: (event: TurnEvent) => Promise<unknown>) {}

  /** Queues an event. Resolves at once; a failed append surfaces on the next call or on `flush`. */
  emit(event: TurnEvent): void {
    if (this.failure !== undefined) throw this.failure;
    const last = this.queue.at(-1);
    if (
      event.event === "token" &&
      last?.event === "token" &&
      last.data.length + event.data.length <= MAX_COALESCED_TOKEN_CHARS
    )
      this.queue[this.queue.length - 1] = { event: "token", data: last.data + event.data };
    else this.queue.push(event);
    this.running ??= this.drain();
  }

  /** Resolves when everything queued has been appended; rejects with the first append failure. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.append(next);
    } catch (err) {
      this.failure = err;
      this.queue.length = 0;
    } finally {
      this.running = undefined;
    }
  }
}
