/**
 * Finding: every HTTP initialize took ~1 s and logged "[FastMCP warning] could not infer client capabilities":
 * the front awaited FastMCP's connect, which polls for the capabilities that only arrive with the held-back
 * initialize itself. And a session counted twice while it was opening refused a second one under the cap.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectHttp, startHttpServer, type HttpProc } from "./helpers.js";

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

let dir: string;
let srv: HttpProc;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcpfs-init-"));
  srv = await startHttpServer(["--root", dir], { FILESERVER_MAX_SESSIONS_PER_CLIENT: "2" });
});
afterAll(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function initialize(accept = "application/json, text/event-stream"): Promise<{ status: number; sid: string }> {
  const r = await fetch(`${srv.base}/mcp`, {
    method: "POST",
    headers: { accept, "content-type": "application/json" },
    body: INIT,
  });
  await r.text();
  return { status: r.status, sid: r.headers.get("mcp-session-id") ?? "" };
}

async function end(sid: string): Promise<void> {
  const r = await fetch(`${srv.base}/mcp`, {
    method: "DELETE",
    headers: { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
  });
  expect(r.status).toBe(200);
}

describe("HTTP initialize (a cap of 2 sessions per client)", () => {
  it("the server reads the SDK client's capabilities from its initialize: no 'could not infer' warning", async () => {
    const conn = await connectHttp(srv.base, undefined, srv.output);
    const { tools } = await conn.client.listTools();
    expect(tools.length).toBe(6);
    // ends the session on the server too (DELETE), so the tests below have both slots
    await (conn.client.transport as StreamableHTTPClientTransport).terminateSession();
    await conn.close();
    expect(srv.output()).not.toMatch(/could not infer client capabilities/);
  });

  it("two concurrent initializes from one client both get a session", async () => {
    const both = await Promise.all([initialize(), initialize()]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(new Set(both.map((r) => r.sid)).size).toBe(2);
    expect((await initialize()).status).toBe(429); // the cap still holds
    for (const r of both) await end(r.sid);
  });

  it("a second initialize right after the first answered gets a session (the first counts once)", async () => {
    const first = await initialize();
    const second = await initialize();
    expect([first.status, second.status]).toEqual([200, 200]);
    for (const r of [first, second]) await end(r.sid);
  });
});
