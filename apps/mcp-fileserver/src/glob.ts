/**
 * A small glob matcher that runs in linear-ish time (no regular expressions, no backtracking blow-up).
 * Supports `*`, `?`, `[abc]`, `[a-z]`, `[!x]`/`[^x]`, `{a,b}` alternation and `**` as a whole segment.
 * Patterns are matched against paths relative to the directory being searched; they never reach the
 * file system, so a pattern cannot climb out of it — and patterns that try (`../*`, `/etc/*`, `{..,x}/*`)
 * are refused outright.
 */
import { FsError } from "./errors.js";

type Token =
  | { readonly t: "lit"; readonly c: string }
  | { readonly t: "any" }
  | { readonly t: "class"; readonly neg: boolean; readonly ranges: ReadonlyArray<readonly [number, number]> }
  | { readonly t: "star" };

type Segment = { readonly globstar: true } | { readonly globstar: false; readonly toks: readonly Token[] };

export const MAX_PATTERN_LENGTH = 512;
const MAX_ALTERNATIVES = 64;

export class Glob {
  readonly source: string;
  private readonly alts: ReadonlyArray<readonly Segment[]>;
  /** True when some alternative has several segments: match it against relative paths, not names. */
  readonly hasSlash: boolean;
  readonly hasGlobstar: boolean;

  constructor(source: string, alts: ReadonlyArray<readonly Segment[]>) {
    this.source = source;
    this.alts = alts;
    this.hasSlash = alts.some((a) => a.length > 1);
    this.hasGlobstar = alts.some((a) => a.some((s) => s.globstar));
  }

  /** Matches a relative POSIX path (segments separated by `/`). */
  match(relPath: string): boolean {
    if (!relPath.includes("/")) {
      // one name: only single-segment alternatives (or a lone **) can match
      return this.alts.some((alt) => {
        const only = alt[0];
        if (alt.length === 1 && only !== undefined) return only.globstar || matchName(only.toks, relPath);
        return matchSegments(alt, [relPath]);
      });
    }
    const parts = relPath.split("/").filter((p) => p.length > 0);
    return this.alts.some((alt) => matchSegments(alt, parts));
  }

  /** Deepest directory level any match can live at (Infinity with `**`). */
  maxSegments(): number {
    if (this.hasGlobstar) return Number.POSITIVE_INFINITY;
    return Math.max(...this.alts.map((a) => a.length));
  }
}

function invalid(what: string, why: string): FsError {
  return new FsError("INVALID_ARGUMENT", `${what} ${why}`);
}

/**
 * Compiles a glob given by a client. `what` names the argument in error messages.
 * Refuses anything that could be read as leaving the directory it is applied to.
 */
export function compileGlob(pattern: unknown, what = "pattern"): Glob {
  if (typeof pattern !== "string") throw invalid(what, "must be a string");
  if (pattern.length === 0) throw invalid(what, "must not be empty");
  if (pattern.length > MAX_PATTERN_LENGTH) throw invalid(what, `is longer than ${MAX_PATTERN_LENGTH} characters`);
  if (pattern.includes("\0")) throw invalid(what, "contains a NUL character");
  if (pattern.includes("\\")) throw invalid(what, "must not contain backslashes");
  if (pattern.startsWith("/")) throw invalid(what, "must be relative (no leading '/')");
  if (pattern.includes("..")) throw invalid(what, "must not contain '..'");
  const expanded = expandBraces(pattern, what);
  const alts: Segment[][] = [];
  for (const alt of expanded) {
    if (alt.startsWith("/")) throw invalid(what, "must be relative (no leading '/')");
    const segs = alt.split("/").filter((s) => s.length > 0 && s !== ".");
    if (segs.some((s) => s === "..")) throw invalid(what, "must not contain '..'");
    if (segs.length === 0) throw invalid(what, "matches nothing");
    alts.push(segs.map(compileSegment));
  }
  return new Glob(pattern, alts);
}

/** Compiles a trusted pattern from configuration (deny-list); same engine, same limits. */
export function compileTrustedGlob(pattern: string): Glob {
  return compileGlob(pattern.endsWith("/") ? pattern.slice(0, -1) : pattern, `deny pattern '${pattern}'`);
}

function expandBraces(pattern: string, what: string): string[] {
  let results = [pattern];
  for (let guard = 0; guard < 32; guard++) {
    let changed = false;
    const next: string[] = [];
    for (const p of results) {
      const open = p.indexOf("{");
      if (open < 0) {
        next.push(p);
        continue;
      }
      let depth = 0;
      let close = -1;
      const commas: number[] = [];
      for (let i = open; i < p.length; i++) {
        const ch = p[i];
        if (ch === "{") depth++;
        else if (ch === "}") {
          depth--;
          if (depth === 0) {
            close = i;
            break;
          }
        } else if (ch === "," && depth === 1) commas.push(i);
      }
      if (close < 0) throw invalid(what, "has an unbalanced '{'");
      const bounds = [open, ...commas, close];
      for (let k = 0; k + 1 < bounds.length; k++) {
        const from = (bounds[k] ?? 0) + 1;
        const to = bounds[k + 1] ?? from;
        next.push(p.slice(0, open) + p.slice(from, to) + p.slice(close + 1));
      }
      changed = true;
      if (next.length > MAX_ALTERNATIVES) throw invalid(what, `expands to more than ${MAX_ALTERNATIVES} alternatives`);
    }
    results = next;
    if (!changed) return results;
  }
  throw invalid(what, "nests braces too deeply");
}

function compileSegment(seg: string): Segment {
  if (seg === "**") return { globstar: true };
  const chars = Array.from(seg);
  const toks: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? "";
    if (ch === "*") {
      if (toks.at(-1)?.t !== "star") toks.push({ t: "star" });
    } else if (ch === "?") {
      toks.push({ t: "any" });
    } else if (ch === "[") {
      const parsed = parseClass(chars, i);
      if (parsed === null) toks.push({ t: "lit", c: ch });
      else {
        toks.push(parsed.tok);
        i = parsed.end;
      }
    } else toks.push({ t: "lit", c: ch });
  }
  return { globstar: false, toks };
}

function parseClass(chars: string[], start: number): { tok: Token; end: number } | null {
  let i = start + 1;
  let neg = false;
  if (chars[i] === "!" || chars[i] === "^") {
    neg = true;
    i++;
  }
  const ranges: Array<[number, number]> = [];
  let first = true;
  for (; i < chars.length; i++) {
    const ch = chars[i] ?? "";
    if (ch === "]" && !first) return { tok: { t: "class", neg, ranges }, end: i };
    first = false;
    const lo = ch.codePointAt(0) ?? 0;
    if (chars[i + 1] === "-" && chars[i + 2] !== undefined && chars[i + 2] !== "]") {
      const hi = (chars[i + 2] ?? "").codePointAt(0) ?? 0;
      ranges.push([Math.min(lo, hi), Math.max(lo, hi)]);
      i += 2;
    } else ranges.push([lo, lo]);
  }
  return null;
}

function single(tok: Token, ch: string): boolean {
  switch (tok.t) {
    case "lit":
      return tok.c === ch;
    case "any":
      return true;
    case "class": {
      const cp = ch.codePointAt(0) ?? 0;
      const inside = tok.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
      return tok.neg ? !inside : inside;
    }
    case "star":
      return false;
  }
}

/** Wildcard match of one segment: greedy with a single backtrack point, O(len(name) * len(pattern)). */
const SURROGATE = /[\uD800-\uDFFF]/;

function matchName(toks: readonly Token[], name: string): boolean {
  // index code units directly unless the name has astral characters (then split into code points)
  const s: ArrayLike<string> = SURROGATE.test(name) ? Array.from(name) : name;
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < s.length) {
    const tok = toks[ti];
    if (tok !== undefined) {
      if (tok.t === "star") {
        starTi = ti++;
        starSi = si;
        continue;
      }
      if (single(tok, s[si] ?? "")) {
        ti++;
        si++;
        continue;
      }
    }
    if (starTi >= 0) {
      ti = starTi + 1;
      si = ++starSi;
      continue;
    }
    return false;
  }
  while (toks[ti]?.t === "star") ti++;
  return ti === toks.length;
}

function matchSegments(pat: readonly Segment[], parts: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (parts.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const seg = pat[i];
    if (seg === undefined) result = j === parts.length;
    else if (seg.globstar) result = go(i + 1, j) || (j < parts.length && go(i, j + 1));
    else result = j < parts.length && matchName(seg.toks, parts[j] ?? "") && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
