import type { TurnEvent } from "@acb/schemas";
import { describe, expect, it } from "vitest";
import { CoalescingWriter, MAX_COALESCED_TOKEN_CHARS } from "./coalesce.js";

/** A writer whose first append waits until `release()`: what is emitted meanwhile queues behind it. */
function writerBehindSlowAppend(): { writer: CoalescingWriter; appended: TurnEvent[]; release: () => void } {
  const appended: TurnEvent[] = [];
  let release: (() => void) | undefined;
  const writer = new CoalescingWriter(async (e) => {
    appended.push(e);
    if (appended.length === 1) await new Promise<void>((r) => (release = r));
  });
  return { writer, appended, release: () => release?.() };
}

describe("CoalescingWriter", () => {
  it("appends an idle event at once and merges tokens that arrive during an append", async () => {
    const { writer, appended, release } = writerBehindSlowAppend();
    writer.emit({ event: "token", data: "a" });
    expect(appended).toEqual([{ event: "token", data: "a" }]);
    writer.emit({ event: "token", data: "b" });
    writer.emit({ event: "token", data: "c\n" });
    writer.emit({ event: "tool_start", data: "list_dir" });
    writer.emit({ event: "token", data: "d" });
    release();
    await writer.flush();
    expect(appended).toEqual([
      { event: "token", data: "a" },
      { event: "token", data: "bc\n" },
      { event: "tool_start", data: "list_dir" },
      { event: "token", data: "d" },
    ]);
  });

  it("merges tokens only up to MAX_COALESCED_TOKEN_CHARS: a burst behind a slow append becomes bounded entries, text unchanged", async () => {
    const { writer, appended, release } = writerBehindSlowAppend();
    const chunks = Array.from({ length: 100 }, (_, i) => `<${String(i).padStart(3, "0")}>`.padEnd(1_000, "x"));
    for (const c of chunks) writer.emit({ event: "token", data: c });
    release();
    await writer.flush();
    expect(appended.map((e) => e.data).join("")).toBe(chunks.join(""));
    expect(Math.max(...appended.map((e) => e.data.length))).toBeLessThanOrEqual(MAX_COALESCED_TOKEN_CHARS);
    // Still merged: 99 chunks behind the first append in 4-chunk entries, not 99 appends.
    expect(appended).toHaveLength(1 + Math.ceil(99 / 4));
  });

  it("surfaces a failed append on flush and on the next emit", async () => {
    const writer = new CoalescingWriter(async () => {
      throw new Error("redis down");
    });
    writer.emit({ event: "token", data: "a" });
    await expect(writer.flush()).rejects.toThrow("redis down");
    expect(() => writer.emit({ event: "token", data: "b" })).toThrow("redis down");
  });
});
