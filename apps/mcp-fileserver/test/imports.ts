/** Which packages a run of a built entry point imports (testkit's importRecorder). */
import { execFile } from "node:child_process";
import { importRecorder } from "@acb/testkit";
import { expect } from "vitest";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";

export interface RecordedRun {
  readonly code: number | null;
  readonly stderr: string;
  /** Package names (`fastmcp`, `@lancedb/lancedb`) of every module the process loaded. */
  readonly packages: ReadonlySet<string>;
}

export async function runRecordingImports(
  main: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RecordedRun> {
  const recorder = importRecorder();
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [...recorder.args, main, ...args],
        { env: { ...getDefaultEnvironment(), ...env, ...recorder.env }, timeout: 30_000 },
        (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
      child.stdin?.end();
    });
    return { code, stderr, packages: recorder.packages() };
  } finally {
    recorder.close();
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
