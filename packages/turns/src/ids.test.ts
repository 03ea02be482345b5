import { describe, expect, it } from "vitest";
import { compareEntryIds } from "./ids.js";

describe("entry ids", () => {
  it("compare as numbers, not as text", () => {
    expect(compareEntryIds("9-0", "10-0")).toBe(-1);
    expect(compareEntryIds("10-2", "10-10")).toBe(-1);
    expect(compareEntryIds("0", "1-0")).toBe(-1);
    expect(compareEntryIds("0", "0-0")).toBe(0);
    expect(compareEntryIds("1700000000000-5", "1700000000000-5")).toBe(0);
    expect(compareEntryIds("1700000000001-0", "1700000000000-99")).toBe(1);
  });
});
