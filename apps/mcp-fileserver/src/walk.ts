/**
 * Depth-first walk below a validated directory, through PathPolicy only. Symbolic links are listed
 * (when they resolve inside the root) but never descended into, so a walk cannot loop or leave the root.
 * A visitor (not an async generator) keeps the per-entry cost low on large directories.
 */
import { FsError } from "./errors.js";
import type { DirEntry, PathPolicy, Target } from "./paths.js";

export interface Walked {
  readonly entry: DirEntry;
  /** Path relative to the walk's start, `/`-separated. */
  readonly rel: string;
  /** 1 for direct children. */
  readonly depth: number;
}

export interface WalkOptions {
  readonly maxDepth: number;
  /** Checked before each directory and entry; the walk ends quietly when it returns true. */
  readonly stop: () => boolean;
}

/** Returns true from the visitor to end the walk. */
export type Visitor = (w: Walked) => boolean | undefined | void | Promise<boolean | undefined | void>;

export async function walk(policy: PathPolicy, start: Target, options: WalkOptions, visit: Visitor): Promise<void> {
  await walkDir(policy, start, "", 1, options, visit);
}

async function walkDir(
  policy: PathPolicy,
  dir: Target,
  rel: string,
  depth: number,
  options: WalkOptions,
  visit: Visitor,
): Promise<boolean> {
  if (options.stop()) return true;
  let entries: DirEntry[];
  try {
    entries = await policy.readDir(dir);
  } catch (err) {
    // the start directory's errors reach the caller; a subdirectory that vanished or is unreadable is skipped
    if (depth === 1 || !(err instanceof FsError)) throw err;
    return false;
  }
  for (const entry of entries) {
    if (options.stop()) return true;
    const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
    const r = visit({ entry, rel: childRel, depth });
    if ((r instanceof Promise ? await r : r) === true) return true;
    const descend = entry.kind === "directory" && (!entry.link || dir.kind === "top") && depth < options.maxDepth;
    if (descend) {
      let target;
      try {
        target = await policy.entryTarget(entry);
      } catch {
        continue;
      }
      if (await walkDir(policy, target, childRel, depth + 1, options, visit)) return true;
    }
  }
  return false;
}
