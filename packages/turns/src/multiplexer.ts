import type { LoggedTurnEvent } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import type { Redis } from "ioredis";
import { compareEntryIds } from "./ids.js";
import { decodeEntry } from "./codec.js";

/** One follower of one stream: its own cursor, a buffer of entries not yet taken, and a wake-up. */
interface Follower {
  readonly key: string;
  cursor: string;
  readonly buffer: LoggedTurnEvent[];
  wake: (() => void) | undefined;
  failed: Error | undefined;
}

const BLOCK_MS = 10_000;
const COUNT = 1_000;

/**
 * Many followers of many turn streams over ONE blocking connection: a loop issues a single
 * `XREAD BLOCK … STREAMS k1 … kn id1 … idn` for every followed stream, from the lowest cursor of each
 * stream's followers, and hands each entry to the followers that have not seen it. When the set of streams
 * or cursors changes, the blocked read is interrupted with `CLIENT UNBLOCK` from the command connection,
 * so a new follower starts at once instead of waiting out the block.
 */
export class StreamMultiplexer {
  private readonly followers = new Map<string, Set<Follower>>();
  private reader: Redis | undefined;
  private readerId: number | undefined;
  private running = false;
  /** True while an XREAD is sent and not yet answered. */
  private reading = false;
  private unblocking = false;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly command: Redis,
    private readonly createReader: () => Redis,
  ) {}

  connections(): number {
    return this.reader ? 1 : 0;
  }

  async *follow(key: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    const follower: Follower = { key, cursor: afterId, buffer: [], wake: undefined, failed: undefined };
    let set = this.followers.get(key);
    if (!set) {
      set = new Set();
      this.followers.set(key, set);
    }
    set.add(follower);
    const onAbort = (): void => follower.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    this.changed();
    try {
      while (!signal.aborted) {
        const entry = follower.buffer.shift();
        if (entry) {
          yield entry;
          if (isTerminal(entry.event)) return;
          continue;
        }
        if (follower.failed) throw follower.failed;
        await new Promise<void>((resolve) => {
          follower.wake = resolve;
        });
        follower.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      set.delete(follower);
      if (set.size === 0 && this.followers.get(key) === set) this.followers.delete(key);
    }
  }

  /** The followed set changed: make sure the loop runs and re-issues its read with the new streams. */
  private changed(): void {
    this.dirty = true;
    if (!this.running) {
      this.running = true;
      void this.loop();
    } else if (this.reading) {
      void this.unblock();
    }
  }

  /**
   * Interrupts the pending XREAD. The UNBLOCK can overtake the XREAD on its way to the server (two
   * connections), in which case it finds nothing blocked: retry until the read has returned.
   */
  private async unblock(): Promise<void> {
    if (this.unblocking) return;
    this.unblocking = true;
    try {
      for (let attempt = 0; this.reading && attempt < 200; attempt++) {
        if (this.readerId !== undefined) {
          const unblocked = await this.command.client("UNBLOCK", this.readerId).catch(() => 0);
          if (Number(unblocked) === 1) return;
        }
        await new Promise((r) => setTimeout(r, attempt < 10 ? 1 : 10));
      }
    } finally {
      this.unblocking = false;
    }
  }

  private async ensureReader(): Promise<Redis> {
    if (this.reader) return this.reader;
    const reader = this.createReader();
    this.reader = reader;
    const fetchId = async (): Promise<void> => {
      this.readerId = Number(await reader.client("ID"));
    };
    reader.on("ready", () => void fetchId().catch(() => undefined));
    await fetchId();
    return reader;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.closed && this.followers.size > 0) {
      this.dirty = false;
      const keys: string[] = [];
      const ids: string[] = [];
      for (const [key, set] of this.followers) {
        let min: string | undefined;
        for (const f of set) if (min === undefined || compareEntryIds(f.cursor, min) < 0) min = f.cursor;
        keys.push(key);
        ids.push(min === "0" || min === undefined ? "0-0" : min);
      }
      let reply: unknown;
      try {
        const reader = await this.ensureReader();
        if (this.dirty) continue;
        this.reading = true;
        reply = await reader.call("XREAD", "COUNT", COUNT, "BLOCK", BLOCK_MS, "STREAMS", ...keys, ...ids);
        failures = 0;
      } catch (err) {
        // A connection problem (UNBLOCK itself answers with an empty read): back off and retry.
        this.reading = false;
        if (this.closed) break;
        if (!this.dirty) {
          failures += 1;
          if (failures > 50) for (const set of this.followers.values()) for (const f of set) this.fail(f, err);
          await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * failures)));
        }
        continue;
      } finally {
        this.reading = false;
      }
      this.deliver(reply);
    }
    this.running = false;
    // A follower may have arrived between the last check and here.
    if (!this.closed && this.followers.size > 0) this.changed();
  }

  private deliver(reply: unknown): void {
    if (!Array.isArray(reply)) return;
    for (const stream of reply as Array<[string, Array<[string, string[]]>]>) {
      const [key, entries] = stream;
      const set = this.followers.get(key);
      if (!set) continue;
      for (const [id, fields] of entries) {
        const entry = decodeEntry(id, fields);
        for (const f of set) {
          if (compareEntryIds(id, f.cursor) <= 0) continue;
          f.cursor = id;
          if (entry) f.buffer.push(entry);
          f.wake?.();
        }
      }
    }
  }

  private fail(f: Follower, err: unknown): void {
    f.failed = err instanceof Error ? err : new Error("event stream failed");
    f.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.followers.values()) for (const f of set) f.wake?.();
    const reader = this.reader;
    this.reader = undefined;
    if (reader) reader.disconnect();
  }
}
