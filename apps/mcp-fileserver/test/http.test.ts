/** The HTTP front: bearer auth, Origin and Host checks, body limit, health, and the SDK client over it. */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixture, type Fixture } from "./fixture.js";
import { call, connectHttp, startHttpServer, TOKEN, type HttpProc } from "./helpers.js";

let fx: Fixture;
let srv: HttpProc;

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch, so the test can set any header (Host, Origin) and send any body. */
async function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  until: "end" | "headers" = "end",
): Promise<RawResponse> {
  return await new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: srv.port,
        method,
        path,
        headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...headers },
      },
      (res) => {
        if (until === "headers") {
          // An initialize answered as an event stream stays open for a while: status and headers are all these tests read.
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
          res.destroy();
          return;
        }
        let data = "";
        res.on("data", (b: Buffer) => (data += b.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
        res.on("error", reject);
      },
    );
    req.on("error", (err) => {
      // the server may close a too-large upload early; the status was already read in that case
      reject(err);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const init = JSON.stringify(INIT);

beforeAll(async () => {
  fx = await createFixture();
  srv = await startHttpServer(
    ["--root", fx.root, "--allowed-origin", "https://app.example.com", "--max-body-bytes", "65536"],
    { MCP_AUTH_TOKEN: TOKEN },
  );
});

afterAll(async () => {
  await srv.stop();
  await fx.cleanup();
});

// The cases share one server and touch nothing another reads (each initialize opens its own session, well under the
// per-client cap of 16), so they run concurrently: an initialize waits on the server for about a second.
describe.concurrent("health", () => {
  it("answers /healthz without a token", async () => {
    const r = await raw("GET", "/healthz");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: "ok" });
  });
});

describe.concurrent("bearer token", () => {
  it("accepts the right token", async () => {
    const r = await raw("POST", "/mcp", auth, init, "headers");
    expect(r.status).toBe(200);
    expect(r.headers["mcp-session-id"]).toBeTypeOf("string");
  });

  it.each([
    ["no Authorization header", {}],
    ["a wrong token of the same length", { authorization: `Bearer ${TOKEN.replace(/.$/, "X")}` }],
    ["a wrong, shorter token", { authorization: "Bearer nope" }],
    ["the token without the Bearer scheme", { authorization: TOKEN }],
    ["Basic auth", { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}` }],
    ["an empty bearer", { authorization: "Bearer " }],
  ])("401 with %s", async (_name, headers: Record<string, string>) => {
    const r = await raw("POST", "/mcp", headers, init);
    expect(r.status).toBe(401);
    expect(r.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(r.body).not.toContain(TOKEN);
  });

  it("401 for a token in the query string, even a correct one", async () => {
    expect((await raw("POST", `/mcp?access_token=${TOKEN}`, {}, init)).status).toBe(401);
    expect((await raw("POST", `/mcp?token=${TOKEN}`, {}, init)).status).toBe(401);
    expect((await raw("POST", `/mcp?access_token=${TOKEN}`, auth, init)).status).toBe(401);
  });

  it("the SDK client cannot connect with a wrong token or none", async () => {
    await expect(connectHttp(srv.base, "wrong-token-wrong-token", srv.output)).rejects.toThrow();
    await expect(connectHttp(srv.base, undefined, srv.output)).rejects.toThrow();
  });
});

describe.concurrent("Origin and Host", () => {
  it.each(["https://evil.example", "null", "http://localhost.evil.example", "https://app.example.com.evil.example"])(
    "403 for Origin %s",
    async (origin) => {
      const r = await raw("POST", "/mcp", { ...auth, origin }, init);
      expect(r.status).toBe(403);
    },
  );

  it("403 for a foreign Origin even on the health endpoint", async () => {
    expect((await raw("GET", "/healthz", { origin: "https://evil.example" })).status).toBe(403);
  });

  it.each(["https://app.example.com", "http://localhost:6274", "http://127.0.0.1:3000"])(
    "allows Origin %s",
    async (origin) => {
      const r = await raw("POST", "/mcp", { ...auth, origin }, init, "headers");
      expect(r.status).toBe(200);
    },
  );

  it("answers a CORS preflight from an allowed origin only, without a token", async () => {
    const ok = await raw("OPTIONS", "/mcp", {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
    });
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(String(ok.headers["access-control-allow-headers"])).toContain("authorization");
    const bad = await raw("OPTIONS", "/mcp", {
      origin: "https://evil.example",
      "access-control-request-method": "POST",
    });
    expect(bad.status).toBe(403);
    expect(bad.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("echoes an allowed Origin and exposes the session header", async () => {
    const r = await raw("POST", "/mcp", { ...auth, origin: "https://app.example.com" }, init, "headers");
    expect(r.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(String(r.headers["access-control-expose-headers"])).toContain("mcp-session-id");
  });

  it("passes requests without an Origin (non-browser clients)", async () => {
    expect((await raw("POST", "/mcp", auth, init, "headers")).status).toBe(200);
  });

  it("403 for a foreign Host header on a loopback bind (DNS rebinding)", async () => {
    const r = await raw("POST", "/mcp", { ...auth, host: "attacker.example:8080" }, init);
    expect(r.status).toBe(403);
  });
});

describe.concurrent("requests", () => {
  it("413 for a body over the limit", async () => {
    const big = JSON.stringify({ ...INIT, padding: "x".repeat(200_000) });
    const r = await raw("POST", "/mcp", auth, big);
    expect(r.status).toBe(413);
  });

  it("400 for a body that is not JSON", async () => {
    const r = await raw("POST", "/mcp", auth, "{not json");
    expect(r.status).toBe(400);
  });

  it("404 for an unknown session and for other paths, 405 for other methods", async () => {
    expect(
      (
        await raw(
          "POST",
          "/mcp",
          { ...auth, "mcp-session-id": "no-such-session" },
          JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
        )
      ).status,
    ).toBe(404);
    expect((await raw("GET", "/etc/passwd", auth)).status).toBe(404);
    expect((await raw("PUT", "/mcp", auth, init)).status).toBe(405);
  });

  it("400 for a non-initialize request without a session", async () => {
    const r = await raw("POST", "/mcp", auth, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
    expect(r.status).toBe(400);
  });

  it("several SDK clients get separate sessions that all work", async () => {
    const a = await connectHttp(srv.base, TOKEN, srv.output);
    const b = await connectHttp(srv.base, TOKEN, srv.output);
    const [ra, rb] = await Promise.all([
      call(a.client, "read_text", { path: "hello.txt" }),
      call(b.client, "list_dir", {}),
    ]);
    expect(ra.structured?.text).toBe("hello world\n");
    expect(rb.structured?.files).toContain("hello.txt");
    await a.close();
    await b.close();
  });
});
