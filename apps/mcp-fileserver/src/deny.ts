/**
 * The deny-list: names inside a root that are never listed, read or described.
 * A pattern without a slash (`.env*`, `*.pem`) or with only a trailing one (`.git/`) applies to every path
 * segment, so it hides the entry and everything beneath it. A pattern with an inner slash (`config/secrets/*`)
 * is matched against the relative path and each of its ancestors. Matching ignores case, so `.ENV` cannot
 * slip past `.env*` on a case-insensitive file system.
 */
import { compileTrustedGlob, type Glob } from "./glob.js";

export const DEFAULT_DENY = [".env*", "*.pem", "*.key", "id_rsa*", ".git/"] as const;

export class DenyList {
  private readonly perSegment: Glob[] = [];
  private readonly perPath: Glob[] = [];
  readonly patterns: readonly string[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    for (const p of patterns) {
      const body = p.endsWith("/") ? p.slice(0, -1) : p;
      const glob = compileTrustedGlob(p.toLowerCase());
      if (body.includes("/")) this.perPath.push(glob);
      else this.perSegment.push(glob);
    }
  }

  /** An entry `name` inside a directory whose own path (`parent`) already passed the check. */
  isEntryDenied(parent: readonly string[], name: string): boolean {
    const lower = name.toLowerCase();
    if (this.perSegment.some((g) => g.match(lower))) return true;
    return this.perPath.length > 0 && this.isDenied([...parent, name]);
  }

  /** `segments` is a path relative to its root, split on `/`. */
  isDenied(segments: readonly string[]): boolean {
    const lower = segments.map((s) => s.toLowerCase());
    for (const seg of lower) if (this.perSegment.some((g) => g.match(seg))) return true;
    if (this.perPath.length > 0) {
      for (let n = 1; n <= lower.length; n++) {
        const prefix = lower.slice(0, n).join("/");
        if (this.perPath.some((g) => g.match(prefix))) return true;
      }
    }
    return false;
  }
}
