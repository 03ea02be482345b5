import { describe, expect, it } from "vitest";
import { tap } from "./tap.js";

async function* numbers(n: number, failAt?: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    if (i === failAt) throw new Error("source failed");
    yield i;
  }
}

function recorder(): { log: string[]; hooks: Parameters<typeof tap<number>>[1] } {
  const log: string[] = [];
  return {
    log,
    hooks: { onStart: () => log.push("start"), onItem: (i) => log.push(`item ${i}`), onEnd: () => log.push("end") },
  };
}

describe("tap", () => {
  it("passes every item through and ends once when the source ends", async () => {
    const { log, hooks } = recorder();
    const seen: number[] = [];
    for await (const i of tap(numbers(3), hooks)) seen.push(i);
    expect(seen).toEqual([0, 1, 2]);
    expect(log).toEqual(["start", "item 0", "item 1", "item 2", "end"]);
  });

  it("ends once and stops the source when the consumer breaks early", async () => {
    const { log, hooks } = recorder();
    let sourceFinally = false;
    async function* source(): AsyncGenerator<number> {
      try {
        yield 1;
        yield 2;
      } finally {
        sourceFinally = true;
      }
    }
    for await (const i of tap(source(), hooks)) if (i === 1) break;
    expect(log).toEqual(["start", "item 1", "end"]);
    expect(sourceFinally).toBe(true);
  });

  it("ends once and rethrows when the source throws", async () => {
    const { log, hooks } = recorder();
    const seen: number[] = [];
    await expect(async () => {
      for await (const i of tap(numbers(5, 2), hooks)) seen.push(i);
    }).rejects.toThrow("source failed");
    expect(seen).toEqual([0, 1]);
    expect(log).toEqual(["start", "item 0", "item 1", "end"]);
  });

  it("starts and ends nothing for a consumer that never iterates", async () => {
    const { log, hooks } = recorder();
    const it = tap(numbers(2), hooks)[Symbol.asyncIterator]();
    await it.return?.();
    expect(log).toEqual([]);
  });
});
