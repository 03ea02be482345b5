/** Spawns the built mcp-docs (ingest and serve); the MCP client and server-process helpers are the file server's, given mcp-docs' entry point. */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { exitOf } from "@acb/testkit";
import * as fileServer from "../../mcp-fileserver/test/helpers.js";
import type { Conn, HttpProc } from "../../mcp-fileserver/test/helpers.js";

export {
  call,
  connectHttp,
  firstText,
  type Conn,
  type HttpProc,
  type Outcome,
} from "../../mcp-fileserver/test/helpers.js";

export const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
export const MAIN = join(APP, "dist/main.js");
export const SAMPLE = join(APP, "sample");
export const TOKEN = "test-token-0123456789abcdef";

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...getDefaultEnvironment(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const { code } = await exitOf(child);
  return { code, stdout, stderr };
}

export async function ingestCli(
  root: string,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<Record<string, unknown>> {
  const r = await runCli(["ingest", "--root", root, "--progress", "lines", ...extra], env);
  if (r.code !== 0) throw new Error(`ingest failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
}

export const connectStdio = (args: string[], env: Record<string, string> = {}): Promise<Conn> =>
  fileServer.connectStdio(args, env, MAIN);

export const connectOver = (kind: Conn["transport"], args: string[], env: Record<string, string> = {}): Promise<Conn> =>
  fileServer.connectOver(kind, args, env, MAIN);

export const startHttpServer = (args: string[], env: Record<string, string> = {}): Promise<HttpProc> =>
  fileServer.startHttpServer(args, env, MAIN);
