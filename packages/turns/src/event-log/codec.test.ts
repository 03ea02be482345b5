import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEvent } from "./codec.js";

describe("stream entry codec", () => {
  it("keeps a tool event's call id, input and output across Redis, and the seed's fields as they were", () => {
    const start = { event: "tool_start" as const, data: "list_dir", call_id: "call_1", input: { path: "." } };
    const end = {
      event: "tool_end" as const,
      data: "list_dir",
      call_id: "call_1",
      output: '["a.txt"]',
      is_error: false,
    };
    expect(decodeEntry("1-0", encodeEvent(start))?.event).toEqual(start);
    expect(decodeEntry("1-1", encodeEvent(end))?.event).toEqual(end);
    // A seed-shaped event is stored as before (no extra field), so old entries decode unchanged.
    expect(encodeEvent({ event: "tool_start", data: "list_dir" })).toEqual(["e", "tool_start", "d", "list_dir"]);
    expect(decodeEntry("1-2", ["e", "tool_end", "d", "x", "x", "not json"])?.event).toEqual({
      event: "tool_end",
      data: "x",
    });
  });
});
