/** What a tap sees of the iteration it wraps. */
export interface TapHooks<T> {
  /** Before the first item is asked for (a consumer that never iterates starts and ends nothing). */
  onStart?(): void;
  onItem?(item: T): void;
  /** Exactly once after `onStart`: the source ended, threw, or the consumer stopped early (`break`, `return()`). */
  onEnd(): void;
}

/**
 * `source` with hooks at its start, on each item and at its end, without an async generator layer: a follower
 * waiting for its next event costs one pending `next()` here instead of a generator object, its request queue and
 * a promise chain per layer — with 10,000 idle streams open that was kilobytes per stream (see infra/bench).
 */
export function tap<T>(source: AsyncIterable<T>, hooks: TapHooks<T>): AsyncIterable<T> {
  return new Tapped(source, hooks);
}

class Tapped<T> implements AsyncIterableIterator<T> {
  private inner: AsyncIterator<T> | undefined;
  private state: "new" | "open" | "ended" = "new";

  constructor(
    private readonly source: AsyncIterable<T>,
    private readonly hooks: TapHooks<T>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.state === "ended") return { done: true, value: undefined };
    if (this.state === "new") {
      this.state = "open";
      this.hooks.onStart?.();
    }
    try {
      this.inner ??= this.source[Symbol.asyncIterator]();
      const result = await this.inner.next();
      if (result.done === true) this.end();
      else this.hooks.onItem?.(result.value);
      return result;
    } catch (err) {
      this.end();
      throw err;
    }
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    try {
      await this.inner?.return?.(value);
    } finally {
      this.end();
    }
    return { done: true, value: undefined };
  }

  private end(): void {
    const wasOpen = this.state === "open";
    this.state = "ended";
    if (wasOpen) this.hooks.onEnd();
  }
}
