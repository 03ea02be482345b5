/**
 * Regular expressions from clients run on V8's linear-time engine (the `l` flag), so no pattern can
 * backtrack catastrophically: patterns that need backtracking (backreferences, lookaround) are refused.
 * The engine is behind a V8 flag that can be switched on at run time; without it, regex search is off.
 */
import { setFlagsFromString } from "node:v8";
import { FsError } from "./errors.js";

export const MAX_REGEX_LENGTH = 1000;

let linear: boolean | undefined;

export function linearRegexAvailable(): boolean {
  if (linear === undefined) {
    try {
      setFlagsFromString("--enable-experimental-regexp-engine");
      new RegExp("a", "l");
      linear = true;
    } catch {
      linear = false;
    }
  }
  return linear;
}

export function compileSafeRegex(source: string, caseSensitive: boolean): RegExp {
  if (source.length > MAX_REGEX_LENGTH) throw new FsError("INVALID_ARGUMENT", `query is longer than ${MAX_REGEX_LENGTH} characters`);
  if (!linearRegexAvailable()) throw new FsError("INVALID_ARGUMENT", "regex search is not available on this runtime; use a literal query");
  try {
    return new RegExp(source, caseSensitive ? "l" : "il");
  } catch (err) {
    const msg = err instanceof Error ? err.message : "";
    if (msg.includes("linear")) {
      throw new FsError("INVALID_ARGUMENT", "regex needs backtracking (backreferences or lookaround), which is refused; simplify it");
    }
    throw new FsError("INVALID_ARGUMENT", "query is not a valid regular expression");
  }
}
