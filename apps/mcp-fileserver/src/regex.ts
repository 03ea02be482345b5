/**
 * Regular expressions from clients run on V8's linear-time engine (the `l` flag), so no pattern can
 * backtrack catastrophically: patterns that need backtracking (backreferences, lookaround) are refused.
 * The engine is behind a V8 flag that can be switched on at run time; without it, regex search is off.
 *
 * Linear time is not bounded memory: the engine's NFA simulation allocates, for every input character,
 * state for each live thread (with a copy of every capture register) and frees it only when the match
 * ends. Measured on Node 20: `(a?){240}b` on 4096 characters peaks at about 2 GB; `a?{100}a{100}b`
 * (no groups) grows about 9 KB per character. So (1) groups are compiled non-capturing (search only needs
 * where a match starts and how long it is), and (2) callers run a pattern over bounded windows of text
 * (see search-text.ts), which bounds both the memory and the uninterruptible time of one call.
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

/**
 * `source` with every capturing group made non-capturing (`(x)` and `(?<name>x)` become `(?:x)`).
 * Only called on a source the linear engine already accepted, which therefore has no backreferences:
 * a `\1` or `\k<n>` left in it is an escape that means the same with or without groups.
 */
export function withoutCaptures(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] ?? "";
    if (c === "\\") {
      out += c + (source[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      continue;
    }
    if (c === "(") {
      if (source[i + 1] !== "?") {
        out += "(?:";
        continue;
      }
      if (source[i + 2] === "<" && source[i + 3] !== "=" && source[i + 3] !== "!") {
        const close = source.indexOf(">", i + 3);
        if (close > 0) {
          out += "(?:";
          i = close;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

/** A global (`g`) linear-time regex without capture groups: set `lastIndex`, then `exec`. */
export function compileSafeRegex(source: string, caseSensitive: boolean): RegExp {
  if (source.length > MAX_REGEX_LENGTH)
    throw new FsError("INVALID_ARGUMENT", `query is longer than ${MAX_REGEX_LENGTH} characters`);
  if (!linearRegexAvailable())
    throw new FsError("INVALID_ARGUMENT", "regex search is not available on this runtime; use a literal query");
  const flags = caseSensitive ? "lg" : "ilg";
  try {
    new RegExp(source, flags); // validates, and refuses what needs backtracking, with the client's own pattern
  } catch (err) {
    const msg = err instanceof Error ? err.message : "";
    if (msg.includes("linear")) {
      throw new FsError(
        "INVALID_ARGUMENT",
        "regex needs backtracking (backreferences or lookaround), which is refused; simplify it",
      );
    }
    throw new FsError("INVALID_ARGUMENT", "query is not a valid regular expression");
  }
  return new RegExp(withoutCaptures(source), flags);
}
