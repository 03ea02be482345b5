/** Which packages a run of a built entry point imports, recorded by a module resolve hook (Node's module.register). */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";

export interface RecordedRun {
  readonly code: number | null;
  readonly stderr: string;
  /** Package names (`fastmcp`, `@lancedb/lancedb`) of every module the process resolved. */
  readonly packages: ReadonlySet<string>;
}

// runs in the loader thread: one line per resolved URL, appended to the file named by RECORD_IMPORTS
const HOOK = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS, r.url + "\\n");
  return r;
}`;
const REGISTER = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

function packageOf(url: string): string | undefined {
  const names = [...url.matchAll(/\/node_modules\/(@[^/]+\/[^/]+|[^/@.][^/]*)\//g)];
  return names.at(-1)?.[1];
}

export async function runRecordingImports(
  main: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RecordedRun> {
  const dir = mkdtempSync(join(tmpdir(), "imports-"));
  const record = join(dir, "resolved.txt");
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, main, ...args],
        { env: { ...getDefaultEnvironment(), ...env, RECORD_IMPORTS: record }, timeout: 30_000 },
        (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
      child.stdin?.end();
    });
    const urls = readFileSync(record, "utf8").split("\n");
    const packages = new Set(urls.map(packageOf).filter((p): p is string => p !== undefined));
    return { code, stderr, packages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a refused start must not load: each costs hundreds of ms of CPU. */
const HEAVY_PACKAGES = [
  "fastmcp",
  "@modelcontextprotocol/sdk",
  "@opentelemetry/sdk-trace-node",
  "@lancedb/lancedb",
  "@langchain/core",
];

/** A refused start: exit 2, one line on stderr matching `message`, and none of HEAVY_PACKAGES loaded. */
export async function expectCheapRefusal(main: string, args: readonly string[], message: RegExp): Promise<void> {
  const run = await runRecordingImports(main, args);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  for (const heavy of HEAVY_PACKAGES) expect(run.packages).not.toContain(heavy);
}
