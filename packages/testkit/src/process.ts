import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { waitFor } from "./ports.js";

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

export interface StartServiceOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** Resolves true once the service is ready (e.g. its /healthz answers, or it logged a line). */
  readonly ready?: (output: () => string) => Promise<boolean> | boolean;
  /** Default 60 s: generous, since only a start that fails waits it out (a loaded CI box can take tens of seconds). */
  readonly readyTimeoutMs?: number;
  readonly name?: string;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Resolves when `child` has exited AND its piped stdout/stderr have been read to the end. A child's "exit" event can
 * come before the last of its output has been read (a refused start writes one line and exits at once): a test that
 * reads the output on "exit" sometimes sees nothing. "close" comes after both; but a grandchild that inherited the
 * pipes can hold them open, so `drainMs` after the exit it resolves anyway.
 */
export function exitOf(child: ChildProcess, drainMs = 2000): Promise<ChildExit> {
  return new Promise((resolve) => {
    let drain: NodeJS.Timeout | undefined;
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(drain);
      resolve({ code, signal });
    };
    child.once("close", settle);
    child.once("exit", (code, signal) => {
      drain = setTimeout(() => settle(code, signal), drainMs);
    });
  });
}

/** Starts a real service process (`node dist/main.js` …) and waits until it is ready. */
export async function startService(
  command: string,
  args: string[],
  options: StartServiceOptions = {},
): Promise<ServiceProcess> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  const child = spawn(command, args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const exited = exitOf(child).then((e) => e.code);
  const service: ServiceProcess = {
    child,
    output: () => out,
    exited,
    kill: (signal = "SIGKILL") => {
      child.kill(signal);
    },
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  if (options.ready) {
    const ready = options.ready;
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error("exited");
          return await ready(() => out);
        },
        options.readyTimeoutMs ?? 60_000,
        options.name ?? command,
      );
    } catch (err) {
      child.kill("SIGKILL");
      throw new Error(`${options.name ?? command} did not become ready: ${String(err)}\n--- output ---\n${out}`);
    }
  }
  return service;
}

/**
 * Brings a package's dist/ up to date with the workspace's compiler (`tsc -b` is a no-op when it already is). For the
 * global set-up of suites that spawn the BUILT program, so `vitest run` inside that package works on its own.
 */
export function buildPackage(dir: string): void {
  const tsc = join(dir, "node_modules/typescript-native/bin/tsc");
  execFileSync(process.execPath, [tsc, "-b", join(dir, "tsconfig.json")], { cwd: dir, stdio: "inherit" });
}
