import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { exitOf, freePort } from "@acb/testkit";

export const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
export const MAIN = join(APP, "dist/main.js");
export const TOKEN = "test-token-0123456789abcdef";

export interface Conn {
  readonly transport: "stdio" | "http";
  readonly client: Client;
  close(): Promise<void>;
  output(): string;
}

export interface Outcome {
  /** The server refused: a protocol error (invalid params) or a tool error (isError). */
  readonly refused: boolean;
  /** Everything the client received, as text (for leak checks). */
  readonly text: string;
  readonly structured: Record<string, unknown> | undefined;
  readonly ms: number;
}

/** `main` is the server's built entry point: this file server's by default, mcp-docs passes its own. */
export async function connectStdio(args: string[], env: Record<string, string> = {}, main = MAIN): Promise<Conn> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [main, ...args],
    env: { ...getDefaultEnvironment(), ...env },
    stderr: "pipe",
  });
  let out = "";
  transport.stderr?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const client = new Client({ name: "test-stdio", version: "1.0.0" });
  await client.connect(transport);
  return { transport: "stdio", client, close: () => client.close(), output: () => out };
}

export interface HttpProc {
  readonly child: ChildProcess;
  readonly port: number;
  readonly base: string;
  output(): string;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export function spawnServer(
  args: string[],
  env: Record<string, string> = {},
  main = MAIN,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...getDefaultEnvironment(), ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const exited = exitOf(child).then((e) => e.code);
  return { child, output: () => out, exited };
}

export async function startHttpServer(
  args: string[],
  env: Record<string, string> = {},
  main = MAIN,
): Promise<HttpProc> {
  const port = await freePort();
  const p = spawnServer(["--transport", "http", "--host", "127.0.0.1", "--port", String(port), ...args], env, main);
  const base = `http://127.0.0.1:${port}`;
  // generous: mcp-docs opens its store (LanceDB) before it listens
  const until = Date.now() + 20_000;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`server exited: ${p.output()}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`server not ready: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child: p.child,
    port,
    base,
    output: p.output,
    exited: p.exited,
    async stop() {
      if (p.child.exitCode !== null) return;
      p.child.kill("SIGTERM");
      const t = setTimeout(() => p.child.kill("SIGKILL"), 3000);
      await p.exited;
      clearTimeout(t);
    },
  };
}

export async function connectHttp(base: string, token: string | undefined, output: () => string): Promise<Conn> {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: "test-http", version: "1.0.0" });
  await client.connect(transport);
  return { transport: "http", client, close: () => client.close(), output };
}

/**
 * One connection over either transport, for a suite run on both: stdio spawns the server as the client's child;
 * http starts it with a bearer token and connects with it. `close` ends the client and the server.
 */
export async function connectOver(
  kind: Conn["transport"],
  args: string[],
  env: Record<string, string> = {},
  main = MAIN,
): Promise<Conn> {
  if (kind === "stdio") return await connectStdio(args, env, main);
  const proc = await startHttpServer(args, { ...env, MCP_AUTH_TOKEN: TOKEN }, main);
  const conn = await connectHttp(proc.base, TOKEN, proc.output);
  return {
    ...conn,
    async close() {
      await conn.close();
      await proc.stop();
    },
  };
}

/** Sends raw arguments (the client does not validate them): the server must. */
export async function call(client: Client, name: string, args: unknown): Promise<Outcome> {
  const t0 = Date.now();
  try {
    const plainObject = typeof args === "object" && args !== null && !Array.isArray(args);
    const r = plainObject
      ? await client.callTool({ name, arguments: args as Record<string, unknown> })
      : // not even an object: bypass every client-side type, as a hostile client would
        await client.request(
          { method: "tools/call", params: { name, arguments: args as Record<string, unknown> } },
          CallToolResultSchema,
        );
    const text = JSON.stringify(r);
    return {
      refused: r.isError === true,
      text,
      structured: r.structuredContent as Record<string, unknown> | undefined,
      ms: Date.now() - t0,
    };
  } catch (err) {
    return {
      refused: true,
      text: err instanceof Error ? err.message : String(err),
      structured: undefined,
      ms: Date.now() - t0,
    };
  }
}

export function firstText(o: Outcome): string {
  try {
    const parsed = JSON.parse(o.text) as { content?: Array<{ text?: string }> };
    return parsed.content?.[0]?.text ?? "";
  } catch {
    return o.text;
  }
}
