/** Time limits built on AbortSignal (`AbortSignal.timeout`, `AbortSignal.any`), instead of hand-rolled timers. */

/**
 * Settles like `work`, unless `signal` aborts first: then rejects with the signal's reason (for
 * `AbortSignal.timeout(ms)`, a DOMException named "TimeoutError"). `work` itself is not stopped; callers abandon it.
 */
export async function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Bounds the silence of a model stream: `signal` aborts when `ms` pass without `touch()`. The clock starts at the
 * first `touch()`, and `pause()` stops it (a tool call is not model silence). No `ms` = never expires.
 */
export class IdleTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Whether the silence outlasted `ms` (the abort was ours, not the caller's). */
  expired = false;

  constructor(private readonly ms: number | undefined) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** `signal` combined with this timeout (just `signal` when there is no timeout). */
  bound(signal: AbortSignal): AbortSignal {
    return this.ms === undefined ? signal : AbortSignal.any([signal, this.controller.signal]);
  }

  /**
   * Called on every streamed chunk: it only records the time. One timer covers the window and, when it fires
   * early (chunks arrived meanwhile), re-arms for what is left, so a token costs no clearTimeout/setTimeout pair.
   */
  touch(): void {
    if (this.ms === undefined) return;
    this.lastTouch = performance.now();
    if (this.timer === undefined) this.arm(this.ms);
  }

  private lastTouch = 0;

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const silentFor = performance.now() - this.lastTouch;
      const ms = this.ms ?? 0;
      if (silentFor < ms) return this.arm(ms - silentFor);
      this.expired = true;
      this.controller.abort(Object.assign(new Error("model stream idle"), { name: "TimeoutError" }));
    }, ms);
  }

  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
