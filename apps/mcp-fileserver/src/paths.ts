/**
 * The one module that turns a client's path into something on disk. Every tool goes through it.
 *
 * Rules, in order:
 *  1. the input must be a non-empty string without NUL or backslash, no longer than the limit, relative,
 *     and without `..` segments — checked before the file system is touched, so a path outside the root
 *     gets the same answer whether or not it exists;
 *  2. the deny-list is applied to the path as given;
 *  3. the path is resolved one segment at a time from the root's realpath with lstat: a symbolic link is
 *     followed by reading it and resolving its target the same way, so every hop must stay inside the
 *     root — a link whose target leaves the root (lexically, before any lookup outside it), loops, or
 *     dangles is refused with one answer;
 *  4. the deny-list is applied again to the resolved path, and `realpath` must agree with the result;
 *  5. files are opened with O_NOFOLLOW | O_NONBLOCK, then fstat must show a regular file with the same
 *     device and inode as the one validated (FIFOs, sockets and devices are refused without blocking).
 */
import { constants, type Stats } from "node:fs";
import { lstat, open, readdir, readlink, realpath, type FileHandle } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { DenyList } from "./deny.js";
import { errnoCode, FsError } from "./errors.js";

export interface Root {
  /** Name used as the first path segment when the server has several roots. */
  readonly name: string;
  /** Canonical (realpath) absolute path. Never shown to clients. */
  readonly real: string;
}

export interface RealTarget {
  readonly kind: "real";
  readonly root: Root;
  /** Resolved path, relative to the root, as segments (no links in it). */
  readonly segments: readonly string[];
  /** What clients see: the path relative to the root (prefixed by the root's name with several roots). */
  readonly display: string;
  readonly stat: Stats;
}

/** With several roots, "." is a virtual directory whose entries are the roots. */
export interface TopTarget {
  readonly kind: "top";
  readonly display: ".";
}

export type Target = RealTarget | TopTarget;

export type EntryKind = "file" | "directory" | "other";

export interface DirEntry {
  readonly name: string;
  readonly kind: EntryKind;
  /** The entry is a symbolic link (resolved inside its root). */
  readonly link: boolean;
  /** Resolved target; present for links and for roots under the virtual top. */
  readonly target?: RealTarget;
  /** Present for non-link entries: root and segments, to descend into or describe. */
  readonly root: Root;
  readonly segments: readonly string[];
  readonly display: string;
}

export interface PathPolicyOptions {
  readonly roots: readonly Root[];
  readonly deny: DenyList;
  readonly maxPathLength: number;
}

const MAX_SEGMENT_BYTES = 255;
const MAX_LINK_HOPS = 32;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

type Parsed =
  { readonly kind: "top" } | { readonly kind: "rel"; readonly root: Root; readonly segments: readonly string[] };

export class PathPolicy {
  readonly roots: readonly Root[];
  readonly deny: DenyList;
  private readonly maxPathLength: number;

  constructor(options: PathPolicyOptions) {
    if (options.roots.length === 0) throw new Error("PathPolicy needs at least one root");
    this.roots = options.roots;
    this.deny = options.deny;
    this.maxPathLength = options.maxPathLength;
  }

  get multiRoot(): boolean {
    return this.roots.length > 1;
  }

  display(root: Root, segments: readonly string[]): string {
    if (this.multiRoot) return [root.name, ...segments].join("/");
    return segments.length === 0 ? "." : segments.join("/");
  }

  /** Lexical checks only (rule 1 and 2). Throws FsError. */
  parse(input: unknown, field = "path"): Parsed {
    if (typeof input !== "string") throw new FsError("INVALID_ARGUMENT", `${field} must be a string`);
    if (input.length === 0) throw new FsError("INVALID_ARGUMENT", `${field} must not be empty (use "." for the root)`);
    if (input.includes("\0")) throw new FsError("INVALID_ARGUMENT", `${field} contains a NUL character`);
    if (input.length > this.maxPathLength || Buffer.byteLength(input) > this.maxPathLength) {
      throw new FsError("INVALID_ARGUMENT", `${field} is longer than ${this.maxPathLength} bytes`);
    }
    if (input.includes("\\"))
      throw new FsError("INVALID_ARGUMENT", `${field} must use '/' as separator (backslashes are refused)`);
    if (isAbsolute(input) || input.startsWith("/")) {
      throw new FsError("OUTSIDE_ROOT", `${field} must be relative to the root; absolute paths are refused`);
    }
    const segments = input.split("/").filter((s) => s.length > 0 && s !== ".");
    if (segments.some((s) => s === "..")) {
      throw new FsError("OUTSIDE_ROOT", `${field} must stay inside the root; '..' segments are refused`);
    }
    if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
      throw new FsError("INVALID_ARGUMENT", `${field} has a segment longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
    let root: Root;
    let rest: string[];
    if (this.multiRoot) {
      if (segments.length === 0) return { kind: "top" };
      const first = segments[0] ?? "";
      const found = this.roots.find((r) => r.name === first);
      if (found === undefined)
        throw new FsError("NOT_FOUND", `'${segments.join("/")}' was not found (the first segment names a root)`);
      root = found;
      rest = segments.slice(1);
    } else {
      root = this.roots[0] as Root;
      rest = segments;
    }
    if (this.deny.isDenied(rest))
      throw new FsError("DENIED", `'${this.display(root, rest)}' is hidden by the server's deny-list`);
    return { kind: "rel", root, segments: rest };
  }

  /** Resolves an existing path (rules 1–4). */
  async resolve(input: unknown, field = "path"): Promise<Target> {
    const parsed = this.parse(input, field);
    if (parsed.kind === "top") return { kind: "top", display: "." };
    return await this.resolveSegments(parsed.root, parsed.segments);
  }

  /** Resolves a path that must be a directory. */
  async resolveDir(input: unknown, field = "path"): Promise<Target> {
    const t = await this.resolve(input, field);
    if (t.kind === "real" && !t.stat.isDirectory())
      throw new FsError("NOT_A_DIRECTORY", `'${t.display}' is not a directory`);
    return t;
  }

  async resolveSegments(root: Root, segments: readonly string[]): Promise<RealTarget> {
    const asked = this.display(root, segments);
    const { real, stat } = await this.walk(root, segments, asked);
    if (this.deny.isDenied(real)) throw new FsError("DENIED", `'${asked}' is hidden by the server's deny-list`);
    const full = join(root.real, ...real);
    let canonical: string;
    try {
      canonical = await realpath(full);
    } catch {
      throw new FsError("CHANGED", `'${asked}' changed while it was being checked`);
    }
    if (canonical !== full) throw new FsError("CHANGED", `'${asked}' changed while it was being checked`);
    return { kind: "real", root, segments: real, display: this.display(root, real), stat };
  }

  /** Segment-by-segment resolution from the root; never looks anything up outside it. */
  private async walk(root: Root, segments: readonly string[], asked: string): Promise<{ real: string[]; stat: Stats }> {
    const linkRefused = () =>
      new FsError("LINK_REFUSED", `'${asked}' goes through a symbolic link that leaves the root or does not resolve`);
    const notFound = () => new FsError("NOT_FOUND", `'${asked}' was not found`);
    const rootStat = await this.lstatOrThrow(root.real, asked, notFound);
    const queue: Array<{ seg: string; fromLink: boolean }> = segments.map((seg) => ({ seg, fromLink: false }));
    const stack: string[] = [];
    let stat = rootStat;
    let hops = 0;
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const { seg, fromLink } = item;
      if (seg === "" || seg === ".") continue;
      if (seg === "..") {
        // only reachable from a link's target: user input with '..' was refused in parse()
        if (stack.length === 0) throw linkRefused();
        stack.pop();
        stat = await this.lstatOrThrow(join(root.real, ...stack), asked, linkRefused);
        continue;
      }
      if (!stat.isDirectory()) throw fromLink ? linkRefused() : notFound();
      const here = join(root.real, ...stack, seg);
      const st = await this.lstatOrThrow(here, asked, fromLink ? linkRefused : notFound);
      if (st.isSymbolicLink()) {
        hops += 1;
        if (hops > MAX_LINK_HOPS) throw linkRefused();
        let target: string;
        try {
          target = await readlink(here);
        } catch {
          throw linkRefused();
        }
        let next: string[];
        if (isAbsolute(target)) {
          if (target === root.real) next = [];
          else if (target.startsWith(root.real + "/")) next = target.slice(root.real.length + 1).split("/");
          else throw linkRefused();
          stack.length = 0;
          stat = rootStat;
        } else {
          next = target.split("/");
        }
        queue.unshift(...next.map((s) => ({ seg: s, fromLink: true })));
        continue;
      }
      stack.push(seg);
      stat = st;
    }
    return { real: stack, stat };
  }

  private async lstatOrThrow(p: string, asked: string, missing: () => FsError): Promise<Stats> {
    try {
      return await lstat(p);
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") throw missing();
      if (code === "ELOOP") throw missing();
      if (code === "ENAMETOOLONG") throw new FsError("INVALID_ARGUMENT", "path is too long");
      if (code === "EACCES" || code === "EPERM")
        throw new FsError("DENIED", `'${asked}' is not readable by the server`);
      throw new FsError("INTERNAL", `'${asked}' could not be inspected`);
    }
  }

  /** Opens a validated target as a regular file (rule 5). The caller closes the handle. */
  async openFile(t: Target): Promise<FileHandle> {
    if (t.kind === "top") throw new FsError("NOT_A_FILE", "'.' is not a regular file (directory)");
    if (!t.stat.isFile())
      throw new FsError("NOT_A_FILE", `'${t.display}' is not a regular file (${describeKind(t.stat)})`);
    let fh: FileHandle;
    try {
      fh = await open(join(t.root.real, ...t.segments), OPEN_FLAGS);
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ELOOP" || code === "ENOENT" || code === "ENOTDIR")
        throw new FsError("CHANGED", `'${t.display}' changed while it was being opened`);
      if (code === "EACCES" || code === "EPERM")
        throw new FsError("DENIED", `'${t.display}' is not readable by the server`);
      throw new FsError("INTERNAL", `'${t.display}' could not be opened`);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new FsError("NOT_A_FILE", `'${t.display}' is not a regular file (${describeKind(st)})`);
      if (st.dev !== t.stat.dev || st.ino !== t.stat.ino)
        throw new FsError("CHANGED", `'${t.display}' changed while it was being opened`);
      return fh;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Lists a directory. Denied names, and links that leave the root or dangle, are left out. */
  async readDir(t: Target): Promise<DirEntry[]> {
    if (t.kind === "top") {
      const out: DirEntry[] = [];
      for (const root of this.roots) {
        const target = await this.resolveSegments(root, []);
        out.push({ name: root.name, kind: "directory", link: false, target, root, segments: [], display: root.name });
      }
      return out;
    }
    if (!t.stat.isDirectory()) throw new FsError("NOT_A_DIRECTORY", `'${t.display}' is not a directory`);
    const dir = join(t.root.real, ...t.segments);
    let dirents;
    try {
      dirents = await readdir(dir, { withFileTypes: true });
      const after = await lstat(dir);
      if (after.dev !== t.stat.dev || after.ino !== t.stat.ino)
        throw new FsError("CHANGED", `'${t.display}' changed while it was being listed`);
    } catch (err) {
      if (err instanceof FsError) throw err;
      const code = errnoCode(err);
      if (code === "EACCES" || code === "EPERM")
        throw new FsError("DENIED", `'${t.display}' is not readable by the server`);
      throw new FsError("CHANGED", `'${t.display}' changed while it was being listed`);
    }
    const out: DirEntry[] = [];
    for (const d of dirents) {
      if (this.deny.isEntryDenied(t.segments, d.name)) continue;
      const segments = [...t.segments, d.name];
      const display = this.display(t.root, segments);
      if (d.isSymbolicLink()) {
        try {
          const target = await this.resolveSegments(t.root, segments);
          out.push({ name: d.name, kind: kindOf(target.stat), link: true, target, root: t.root, segments, display });
        } catch {
          // leaves the root, dangles, loops or is denied: not shown, whatever is (or is not) at the far end
        }
        continue;
      }
      const kind: EntryKind = d.isFile() ? "file" : d.isDirectory() ? "directory" : "other";
      out.push({ name: d.name, kind, link: false, root: t.root, segments, display });
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  /** The target an entry stands for (lstat, never following a link). */
  async entryTarget(e: DirEntry): Promise<RealTarget> {
    if (e.target !== undefined) return e.target;
    const st = await this.lstatOrThrow(
      join(e.root.real, ...e.segments),
      e.display,
      () => new FsError("CHANGED", `'${e.display}' changed while it was being listed`),
    );
    if (st.isSymbolicLink()) throw new FsError("CHANGED", `'${e.display}' changed while it was being listed`);
    return { kind: "real", root: e.root, segments: e.segments, display: e.display, stat: st };
  }
}

export function kindOf(st: Stats): EntryKind {
  return st.isFile() ? "file" : st.isDirectory() ? "directory" : "other";
}

export function describeKind(st: Stats): string {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  if (st.isSymbolicLink()) return "symbolic link";
  return "special file";
}

/** Realpath of each configured root; fails when one is missing or not a directory. */
export async function resolveRoots(paths: readonly string[]): Promise<Root[]> {
  const roots: Root[] = [];
  const used = new Set<string>();
  for (const p of paths) {
    const real = await realpath(p);
    const st = await lstat(real);
    if (!st.isDirectory()) throw new Error(`${p} is not a directory`);
    if (real === "/") throw new Error(`${p} is the file system root; refusing to serve it`);
    const base =
      real
        .split("/")
        .filter((s) => s.length > 0)
        .at(-1) ?? "root";
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    roots.push({ name, real });
  }
  return roots;
}
