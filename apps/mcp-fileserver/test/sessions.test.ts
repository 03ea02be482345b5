/**
 * Finding: 256 initialize calls from one client used up every HTTP session (503 for everyone).
 * Sessions are now capped per client (credential + address) and expire when idle.
 */
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectHttp, startHttpServer, TOKEN, type HttpProc } from "./helpers.js";

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

interface Raw {
  status: number;
  sid: string | undefined;
  body: string;
}

/** A raw initialize from a chosen loopback source address: 127.0.0.2 is "another client". */
async function initialize(port: number, from = "127.0.0.1", headers: Record<string, string> = {}): Promise<Raw> {
  return await new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        localAddress: from,
        method: "POST",
        path: "/mcp",
        agent: false,
        headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...headers },
      },
      (res) => {
        let body = "";
        res.on("data", (b: Buffer) => (body += b.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, sid: res.headers["mcp-session-id"] as string | undefined, body }),
        );
      },
    );
    req.on("error", reject);
    req.end(INIT);
  });
}

async function toolsList(port: number, sid: string, headers: Record<string, string> = {}): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: "POST",
    headers: {
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-06-18",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
  });
  await r.text();
  return r.status;
}

/**
 * A short idle time (FILESERVER_SESSION_IDLE_MS; the least accepted is 1 s): the same expiry code, sooner. Twice
 * the least, so that a session the test uses every 400 ms stays well inside it on a loaded machine (at 1 s, one slow
 * call on a busy CI box left a gap as long as the idle time).
 */
const IDLE_MS = 2000;

/** How many sessions the server holds, from /healthz (which is not a session request: it keeps none alive). */
async function sessionsHeld(base: string): Promise<number> {
  const r = await fetch(`${base}/healthz`);
  return ((await r.json()) as { sessions: number }).sessions;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mcpfs-sess-"));
  writeFileSync(join(dir, "hello.txt"), "hello\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("one client cannot use up every session (defaults, no token, loopback)", () => {
  let srv: HttpProc;
  beforeAll(async () => {
    srv = await startHttpServer(["--root", dir]);
  });
  afterAll(async () => {
    await srv.stop();
  });

  it("300 initialize calls from one client: the rest answered 429 with a JSON-RPC error; another client still gets in", async () => {
    const statuses: number[] = [];
    let refusal: Raw | undefined;
    // ten at a time: concurrent initializes must not slip past the cap either
    for (let i = 0; i < 300; i += 10) {
      for (const r of await Promise.all(Array.from({ length: 10 }, () => initialize(srv.port)))) {
        statuses.push(r.status);
        if (r.status !== 200 && refusal === undefined) refusal = r;
      }
    }
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBe(16); // FILESERVER_MAX_SESSIONS_PER_CLIENT's default
    expect(refusal?.status).toBe(429);
    expect(JSON.parse(refusal?.body ?? "{}")).toMatchObject({
      jsonrpc: "2.0",
      error: { code: -32000, message: expect.stringMatching(/sessions/) },
    });
    const other = await initialize(srv.port, "127.0.0.2");
    expect(other.status).toBe(200);
    expect(other.sid).toBeTypeOf("string");
  }, 60_000);
});

describe("per-client cap and idle expiry (configured)", () => {
  let srv: HttpProc;
  const auth = { authorization: `Bearer ${TOKEN}` };
  beforeAll(async () => {
    srv = await startHttpServer(["--root", dir], {
      MCP_AUTH_TOKEN: TOKEN,
      FILESERVER_MAX_SESSIONS_PER_CLIENT: "3",
      FILESERVER_SESSION_IDLE_MS: String(IDLE_MS),
    });
  });
  afterAll(async () => {
    await srv.stop();
  });

  it("unauthenticated initialize is refused before it can take a session", async () => {
    const r = await initialize(srv.port);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ jsonrpc: "2.0", error: { message: expect.stringMatching(/token/) } });
  });

  it("the fourth session of a client is refused, its existing sessions keep working, and an idle one expires", async () => {
    const sdk = await connectHttp(srv.base, TOKEN, srv.output); // session 1, through the official client
    const [a, b] = await Promise.all([
      initialize(srv.port, "127.0.0.1", auth),
      initialize(srv.port, "127.0.0.1", auth),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // the client is at its cap; another client (another address) is not held back by it
    const [over, elsewhere] = await Promise.all([
      initialize(srv.port, "127.0.0.1", auth),
      initialize(srv.port, "127.0.0.2", auth),
    ]);
    expect(over.status).toBe(429);
    expect(JSON.parse(over.body)).toMatchObject({ error: { message: expect.stringMatching(/3 sessions/) } });
    expect(elsewhere.status).toBe(200);
    // The SDK session is used every 400 ms; a, b and elsewhere are left idle. Wait (without touching them: a
    // request would keep them alive) until the server holds only the SDK session, and at least the idle time.
    const t0 = Date.now();
    let lastUse = t0;
    let longestGap = 0;
    while (Date.now() - t0 < IDLE_MS || (await sessionsHeld(srv.base)) > 1) {
      expect(Date.now() - t0, "idle sessions were not closed").toBeLessThan(IDLE_MS + 8000);
      const { tools } = await sdk.client.listTools();
      expect(tools.length).toBe(6);
      longestGap = Math.max(longestGap, Date.now() - lastUse);
      lastUse = Date.now();
      await new Promise((r) => setTimeout(r, 400));
    }
    // what makes the SDK session's survival below mean "a session in use stays": it was never idle that long
    expect(longestGap, "the SDK session went unused for the idle time").toBeLessThan(IDLE_MS);
    expect(await toolsList(srv.port, a.sid ?? "", auth)).toBe(404);
    expect(await toolsList(srv.port, b.sid ?? "", auth)).toBe(404);
    // the SDK session outlived them
    expect((await sdk.client.listTools()).tools.length).toBe(6);
    // their slots are free again
    const again = await initialize(srv.port, "127.0.0.1", auth);
    expect(again.status).toBe(200);
    await sdk.close();
  }, 20_000);
});
