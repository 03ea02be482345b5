import type { TurnEvent } from "@acb/schemas";
import { describe, expect, it } from "vitest";
import { CoalescingWriter } from "./coalesce.js";

describe("CoalescingWriter", () => {
  it("appends an idle event at once and merges tokens that arrive during an append", async () => {
    const appended: TurnEvent[] = [];
    let release: (() => void) | undefined;
    const writer = new CoalescingWriter(async (e) => {
      appended.push(e);
      if (appended.length === 1) await new Promise<void>((r) => (release = r));
    });
    writer.emit({ event: "token", data: "a" });
    expect(appended).toEqual([{ event: "token", data: "a" }]);
    writer.emit({ event: "token", data: "b" });
    writer.emit({ event: "token", data: "c\n" });
    writer.emit({ event: "tool_start", data: "list_dir" });
    writer.emit({ event: "token", data: "d" });
    release?.();
    await writer.flush();
    expect(appended).toEqual([
      { event: "token", data: "a" },
      { event: "token", data: "bc\n" },
      { event: "tool_start", data: "list_dir" },
      { event: "token", data: "d" },
    ]);
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
