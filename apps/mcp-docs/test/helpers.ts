/** Spawns the built mcp-docs (ingest and serve); the generic MCP client helpers are the file server's. */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { freePort, type Conn } from "../../mcp-fileserver/test/helpers.js";

export { call, connectHttp, firstText, freePort, type Conn, type Outcome } from "../../mcp-fileserver/test/helpers.js";

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
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...getDefaultEnvironment(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  return { code, stdout, stderr };
}

export async function ingestCli(root: string, env: Record<string, string>, extra: string[] = []): Promise<Record<string, unknown>> {
  const r = await runCli(["ingest", "--root", root, "--progress", "lines", ...extra], env);
  if (r.code !== 0) throw new Error(`ingest failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
}

export async function connectStdio(args: string[], env: Record<string, string> = {}): Promise<Conn> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN, ...args], env: { ...getDefaultEnvironment(), ...env }, stderr: "pipe" });
  let out = "";
  transport.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const client = new Client({ name: "test-stdio", version: "1.0.0" });
  await client.connect(transport);
  return { transport: "stdio", client, close: () => client.close(), output: () => out };
}

export interface HttpProc {
  readonly child: ChildProcess;
  readonly base: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startHttpServer(args: string[], env: Record<string, string> = {}): Promise<HttpProc> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, "--transport", "http", "--host", "127.0.0.1", "--port", String(port), ...args], {
    env: { ...getDefaultEnvironment(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`server not ready: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    base,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
