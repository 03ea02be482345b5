/**
 * Which modules a Node process loads, for tests that hold a start-up to what it needs (a distributed gateway loads no
 * LangChain; a refused MCP server start loads no fastmcp). The process is started with `args` before its entry point
 * and `env` added: an ESM resolve hook (Node's module.register) records every URL it resolves, and a wrap of
 * CommonJS's loader every require() (createRequire from ESM, CommonJS loading CommonJS), which never passes the
 * ESM hooks. Both append to the file named by RECORD_IMPORTS (hooks run off the main thread: a file is how they
 * report).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dataUrl = (code: string): string => `data:text/javascript,${encodeURIComponent(code)}`;

const RESOLVE_HOOK = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS, resolved.url + "\\n");
  return resolved;
}`;

const PRELOAD = `import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
import { pathToFileURL } from "node:url";
register(${JSON.stringify(dataUrl(RESOLVE_HOOK))});
const load = Module._load;
Module._load = function recordRequire(...args) {
  const [request, parent, isMain] = args;
  // a request that does not resolve throws here exactly as the load itself would
  if (!Module.isBuiltin(request))
    appendFileSync(process.env.RECORD_IMPORTS, pathToFileURL(Module._resolveFilename(request, parent, isMain)).href + "\\n");
  return load.apply(this, args);
};`;

export interface ImportRecorder {
  /** Node options to put before the entry point. */
  readonly args: readonly string[];
  /** To add to the process's environment. */
  readonly env: { readonly RECORD_IMPORTS: string };
  /** The URL of every module the process loaded (so far), in order. */
  urls(): string[];
  /** The package names (`fastmcp`, `@lancedb/lancedb`) of those modules. */
  packages(): Set<string>;
  /** Removes the record. */
  close(): void;
}

/** The package a module URL belongs to: the last `node_modules/<name>` in it (pnpm nests them). */
export function packageOfUrl(url: string): string | undefined {
  return [...url.matchAll(/\/node_modules\/(@[^/]+\/[^/]+|[^/@.][^/]*)\//g)].at(-1)?.[1];
}

export function importRecorder(): ImportRecorder {
  const dir = mkdtempSync(join(tmpdir(), "acb-imports-"));
  const record = join(dir, "modules.txt");
  const urls = (): string[] => {
    try {
      return readFileSync(record, "utf8").split("\n").filter(Boolean);
    } catch (error) {
      // nothing recorded yet: the process has not loaded a module (or has not started)
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  };
  return {
    args: ["--import", dataUrl(PRELOAD)],
    env: { RECORD_IMPORTS: record },
    urls,
    packages: () => new Set(urls().flatMap((u) => packageOfUrl(u) ?? [])),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
