/**
 * One timer for the heartbeats of every open SSE stream (per heartbeat period), instead of a setInterval per
 * stream: with thousands of idle streams open, a timer each costs heap and a callback per stream per period.
 */
export interface HeartbeatStream {
  /** When the stream last wrote anything (ms since epoch); the ticker sends a ping when it has been quiet too long. */
  lastWrite: number;
  ping(): void;
}

class Ticker {
  readonly streams = new Set<HeartbeatStream>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {}

  add(stream: HeartbeatStream): void {
    this.streams.add(stream);
    // Half the period: a stream gets its ping between periodMs and 1.5 × periodMs after its last write.
    this.timer ??= setInterval(() => this.tick(), Math.max(50, Math.floor(this.periodMs / 2))).unref();
  }

  delete(stream: HeartbeatStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const due = Date.now() - this.periodMs;
    for (const s of this.streams) if (s.lastWrite <= due) s.ping();
  }
}

const tickers = new Map<number, Ticker>();

/** Pings `stream` after `periodMs` without a write, until the returned function is called. */
export function heartbeat(periodMs: number, stream: HeartbeatStream): () => void {
  let ticker = tickers.get(periodMs);
  if (ticker === undefined) {
    ticker = new Ticker(periodMs);
    tickers.set(periodMs, ticker);
  }
  const t = ticker;
  t.add(stream);
  return () => t.delete(stream);
}
