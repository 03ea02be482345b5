import type { TurnEvent } from "@acb/schemas";
import { expect, it } from "vitest";
import { CoalescingWriter, MAX_COALESCED_TOKEN_CHARS } from "./coalesce.js";

it("merges tokens only up to MAX_COALESCED_TOKEN_CHARS: a burst behind a slow append becomes bounded entries, text unchanged", async () => {
  const appended: TurnEvent[] = [];
  let release: (() => void) | undefined;
  const writer = new CoalescingWriter(async (e) => {
    appended.push(e);
    if (appended.length === 1) await new Promise<void>((r) => (release = r));
  });
  const chunks = Array.from({ length: 100 }, (_, i) => `<${String(i).padStart(3, "0")}>`.padEnd(1_000, "x"));
  for (const c of chunks) writer.emit({ event: "token", data: c });
  release?.();
  await writer.flush();
  expect(appended.map((e) => e.data).join("")).toBe(chunks.join(""));
  expect(Math.max(...appended.map((e) => e.data.length))).toBeLessThanOrEqual(MAX_COALESCED_TOKEN_CHARS);
  // Still merged: 99 chunks behind the first append in 4-chunk entries, not 99 appends.
  expect(appended).toHaveLength(1 + Math.ceil(99 / 4));
});
