/**
 * The deny-list: names inside a root that are never listed, read, searched or described.
 * A pattern without a slash (`.env*`, `*.pem`) or with only a trailing one (`.ssh/`) applies to every path
 * segment, so it hides the entry and everything beneath it. A pattern with an inner slash
 * (`.docker/config.json` below a leading `**`) is matched against the relative path and each of its ancestors. A pattern
 * starting with `!` un-hides single names an earlier per-segment pattern hid (`!id_*.pub` keeps public keys
 * visible next to `id_rsa*`); it never re-opens what a hidden directory or an inner-slash pattern covers.
 * Matching ignores case, so `.ENV` cannot slip past `.env*` on a case-insensitive file system.
 */
import { compileTrustedGlob, type Glob } from "./glob.js";

export const DEFAULT_DENY = [
  // environment files, version control
  ".env*",
  ".git/",
  // private keys and key stores
  "*.pem",
  "*.key",
  "id_{rsa,dsa,ecdsa,ed25519,xmss}*",
  "!id_*.pub",
  "*.p12",
  "*.pfx",
  "*.jks",
  "*.keystore",
  "*.ppk",
  "*.kdbx",
  // credential directories
  ".ssh/",
  ".gnupg/",
  ".aws/",
  ".azure/",
  ".kube/",
  "**/.config/gcloud/",
  "**/.docker/config.json",
  // credential files
  "*credentials*",
  ".npmrc",
  ".pypirc",
  ".netrc",
  "_netrc",
  ".git-credentials",
  ".pgpass",
  ".my.cnf",
  ".mylogin.cnf",
  ".htpasswd",
  ".vault-token",
  ".s3cfg",
  ".boto",
] as const;

interface SegmentRule {
  readonly glob: Glob;
  readonly allow: boolean;
}

export class DenyList {
  private readonly perSegment: SegmentRule[] = [];
  private readonly perPath: Glob[] = [];
  readonly patterns: readonly string[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    for (const p of patterns) {
      const allow = p.startsWith("!");
      const source = allow ? p.slice(1) : p;
      const body = source.endsWith("/") ? source.slice(0, -1) : source;
      const glob = compileTrustedGlob(source.toLowerCase());
      if (body.includes("/")) {
        // an exception applies to one name; on a path it would silently re-open a whole tree
        if (allow) throw new Error(`deny exception '${p}' must be a single name pattern`);
        this.perPath.push(glob);
      } else this.perSegment.push({ glob, allow });
    }
  }

  /** Last matching per-segment rule wins, as in .gitignore. */
  private segmentDenied(lowerName: string): boolean {
    let denied = false;
    for (const r of this.perSegment) if (r.glob.match(lowerName)) denied = !r.allow;
    return denied;
  }

  /** An entry `name` inside a directory whose own path (`parent`) already passed the check. */
  isEntryDenied(parent: readonly string[], name: string): boolean {
    if (this.segmentDenied(name.toLowerCase())) return true;
    return this.perPath.length > 0 && this.isDenied([...parent, name]);
  }

  /** `segments` is a path relative to its root, split on `/`. */
  isDenied(segments: readonly string[]): boolean {
    const lower = segments.map((s) => s.toLowerCase());
    for (const seg of lower) if (this.segmentDenied(seg)) return true;
    if (this.perPath.length > 0) {
      for (let n = 1; n <= lower.length; n++) {
        const prefix = lower.slice(0, n).join("/");
        if (this.perPath.some((g) => g.match(prefix))) return true;
      }
    }
    return false;
  }
}
