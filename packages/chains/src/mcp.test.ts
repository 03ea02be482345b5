import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { freePort, listenOnLoopback, startService, type ServiceProcess } from "@acb/testkit";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { McpServersSchema, mcpServersFromEnv, type McpServerConfig } from "./mcp/config.js";
import { McpToolbox } from "./mcp/toolbox.js";
import { FILESERVER, filesRoot } from "./test/fileserver.js";

describe("mcpServersFromEnv", () => {
  it("defaults to one streamable HTTP server named files at http://localhost:8080/mcp", () => {
    expect(mcpServersFromEnv({})).toEqual({
      ok: true,
      value: { files: { transport: "streamable_http", url: "http://localhost:8080/mcp" } },
    });
  });

  it.each([
    [
      { MCP_SERVER_URL: "http://mcp:9000/mcp", MCP_TRANSPORT: "sse" },
      { files: { transport: "sse", url: "http://mcp:9000/mcp" } },
    ],
    [
      { MCP_SERVER_URL: "https://x.example/mcp", MCP_TRANSPORT: "http" },
      { files: { transport: "streamable_http", url: "https://x.example/mcp" } },
    ],
    [
      { MCP_SERVER_URL: "http://a/mcp", MCP_TRANSPORT: "streamable-http" },
      { files: { transport: "streamable_http", url: "http://a/mcp" } },
    ],
    [
      {
        MCP_TRANSPORT: "stdio",
        MCP_SERVER_URL: "ignored",
        MCP_STDIO_COMMAND: "node",
        MCP_STDIO_ARGS: '["dist/main.js","--root","/srv"]',
      },
      { files: { transport: "stdio", command: "node", args: ["dist/main.js", "--root", "/srv"] } },
    ],
    [
      { MCP_TRANSPORT: "stdio", MCP_STDIO_COMMAND: "mcp-fileserver" },
      { files: { transport: "stdio", command: "mcp-fileserver", args: [] } },
    ],
  ] as const)("%j", (env, value) => {
    expect(mcpServersFromEnv(env)).toEqual({ ok: true, value });
  });

  it("MCP_SERVERS (JSON) wins, with two servers and bearer headers", () => {
    const servers = {
      files: { transport: "stdio", command: "node", args: ["main.js"], env: { FILES_ROOT: "/data" } },
      docs: { transport: "http", url: "http://docs:8080/mcp", headers: { Authorization: "Bearer abcdefghijklmnop" } },
    };
    const r = mcpServersFromEnv({ MCP_SERVERS: JSON.stringify(servers), MCP_SERVER_URL: "http://other/mcp" });
    expect(r).toEqual({
      ok: true,
      value: {
        files: { transport: "stdio", command: "node", args: ["main.js"], env: { FILES_ROOT: "/data" } },
        docs: {
          transport: "streamable_http",
          url: "http://docs:8080/mcp",
          headers: { Authorization: "Bearer abcdefghijklmnop" },
        },
      },
    });
  });

  const badServers = [
    "{not json",
    "[1,2]",
    "{}",
    '{"bad name!":{"transport":"sse","url":"http://a/sse"}}',
    `{"${"x".repeat(33)}":{"transport":"sse","url":"http://a/sse"}}`,
    '{"a":{"transport":"carrier-pigeon","url":"http://a"}}',
    '{"a":{"transport":"sse","url":"ftp://a"}}',
    '{"a":{"transport":"stdio"}}',
  ];
  it.each([
    ...badServers.map((value) => [{ MCP_SERVERS: value }, "MCP_SERVERS"] as const),
    [{ MCP_TRANSPORT: "websocket" }, "MCP_TRANSPORT"],
    [{ MCP_SERVER_URL: "not a url" }, "MCP_SERVER_URL"],
    [{ MCP_TRANSPORT: "stdio" }, "MCP_STDIO_COMMAND"],
    [{ MCP_TRANSPORT: "stdio", MCP_STDIO_COMMAND: "node", MCP_STDIO_ARGS: "main.js" }, "MCP_STDIO_ARGS"],
    [{ MCP_TRANSPORT: "stdio", MCP_STDIO_COMMAND: "node", MCP_STDIO_ARGS: "[1]" }, "MCP_STDIO_ARGS"],
  ] as const)("%j fails naming %s", (env, variable) => {
    const r = mcpServersFromEnv(env);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(variable);
  });

  it("the schema is usable on its own", () => {
    expect(McpServersSchema.safeParse({ a: { transport: "sse", url: "http://a/sse" } }).success).toBe(true);
    expect(McpServersSchema.safeParse({ a: { transport: "sse", url: "http://a/sse", extra: 1 } }).success).toBe(false);
  });
});

// ---------------------------------------------------------------- against the real file server

let root: string;
beforeAll(() => {
  root = filesRoot("chains-mcp-", { "alpha.txt": "hello from alpha\nsecond line\n", "notes.md": "# Notes\n" });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const boxes: McpToolbox[] = [];
const services: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(boxes.splice(0).map((b) => b.close()));
  await Promise.all(services.splice(0).map((s) => s.stop(2000)));
});

function stdioServer(): McpServerConfig {
  return { transport: "stdio", command: process.execPath, args: [FILESERVER, "--root", root] };
}

type HttpFileServer = { service: ServiceProcess; url: string; port: number };

/** The file server over HTTP (on `port`, or a free one; with `env` added), stopped after the test. */
async function startHttpServer(port?: number, env: Record<string, string> = {}): Promise<HttpFileServer> {
  const server = await spawnHttpServer(port, env);
  services.push(server.service);
  return server;
}

/** The file server over HTTP; the caller stops it. */
async function spawnHttpServer(port?: number, env: Record<string, string> = {}): Promise<HttpFileServer> {
  const p = port ?? (await freePort());
  const service = await startService(
    process.execPath,
    [FILESERVER, "--root", root, "--transport", "http", "--port", String(p), "--host", "127.0.0.1"],
    {
      name: "mcp-fileserver",
      env,
      ready: async () => (await fetch(`http://127.0.0.1:${p}/healthz`)).ok,
    },
  );
  return { service, url: `http://127.0.0.1:${p}/mcp`, port: p };
}

type ToolboxExtra = { refreshMs?: number; connectTimeoutMs?: number };
const newToolbox = (servers: Record<string, McpServerConfig>, extra: ToolboxExtra = {}): McpToolbox =>
  new McpToolbox(servers, {
    toolTimeoutMs: 5000,
    connectTimeoutMs: extra.connectTimeoutMs ?? 5000,
    refreshMs: extra.refreshMs,
  });

/** A toolbox closed after the test. */
function toolbox(servers: Record<string, McpServerConfig>, extra: ToolboxExtra = {}): McpToolbox {
  const box = newToolbox(servers, extra);
  boxes.push(box);
  return box;
}

/** A toolbox of one server named files that has already answered a call; resolves with the box and its tools. */
async function workingToolbox(files: McpServerConfig, extra: ToolboxExtra = {}) {
  const box = toolbox({ files }, extra);
  const tools = await box.tools();
  expect(await find(tools, "list_dir").invoke({ path: "." })).toContain("alpha.txt");
  return { box, tools };
}

const overHttp = (url: string): McpServerConfig => ({ transport: "streamable_http", url });

function find(tools: StructuredToolInterface[], name: string): StructuredToolInterface {
  const t = tools.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no tool ${name} in ${tools.map((x) => x.name).join(", ")}`);
  return t;
}

describe("McpToolbox against the real file server", { timeout: 20_000 }, () => {
  describe("over stdio (one server for these tests)", () => {
    let box: McpToolbox;
    beforeAll(() => {
      box = newToolbox({ files: stdioServer() });
    });
    afterAll(async () => box.close());

    it("list_dir / read_text with plain names, results as strings", async () => {
      const tools = await box.tools();
      const names = tools.map((t) => t.name);
      expect(names).toContain("list_dir");
      expect(names).toContain("read_text");
      const listed: unknown = await find(tools, "list_dir").invoke({ path: "." });
      expect(typeof listed).toBe("string");
      expect(JSON.parse(listed as string)).toEqual(["alpha.txt", "notes.md"]);
      const text: unknown = await find(tools, "read_text").invoke({ path: "alpha.txt" });
      expect(text).toContain("hello from alpha");
      expect(box.status()).toEqual([{ name: "files", transport: "stdio", connected: true, tools: tools.length }]);
    });

    it("a failing tool call (missing file) throws a tool error naming the problem, and the connection stays up", async () => {
      const tools = await box.tools();
      await expect(find(tools, "read_text").invoke({ path: "missing.txt" })).rejects.toThrow(
        /not.?found|no such|does not exist/i,
      );
      expect(box.status()[0]?.connected).toBe(true);
      expect(await find(tools, "read_text").invoke({ path: "notes.md" })).toContain("# Notes");
    });
  });

  describe("next to a running HTTP server (one server for these tests)", () => {
    // Already up when a test starts: the tests pay for one server start, not one each.
    let live: McpServerConfig;
    let liveService: ServiceProcess;
    beforeAll(async () => {
      const http = await spawnHttpServer();
      liveService = http.service;
      live = overHttp(http.url);
    });
    afterAll(async () => liveService.stop(2000));

    it("over streamable HTTP, and two servers get prefixed names", async () => {
      const single = toolbox({ files: live });
      const plain = await single.tools();
      expect(plain.map((t) => t.name)).toContain("list_dir");
      expect(JSON.parse((await find(plain, "list_dir").invoke({ path: ".", pattern: "*.md" })) as string)).toEqual([
        "notes.md",
      ]);

      const both = toolbox({ local: stdioServer(), remote: live });
      const tools = await both.tools();
      const names = tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining(["local__list_dir", "local__read_text", "remote__list_dir", "remote__read_text"]),
      );
      expect(names.some((n) => n === "list_dir")).toBe(false);
      expect(await find(tools, "remote__read_text").invoke({ path: "alpha.txt" })).toContain("hello from alpha");
      expect(both.status().map((s) => [s.name, s.connected])).toEqual([
        ["local", true],
        ["remote", true],
      ]);
    });

    /**
     * A toolbox of the live server and a broken one at `url`: `tools()` returns within the connect timeout with the
     * live server's tools only; resolves with the broken server's status.
     */
    async function brokenNextToLive(url: string, connectTimeoutMs: number) {
      const box = toolbox({ files: live, broken: overHttp(url) }, { connectTimeoutMs });
      const started = Date.now();
      const tools = await box.tools();
      expect(Date.now() - started).toBeLessThan(connectTimeoutMs + 2500);
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["files__list_dir", "files__read_text"]));
      expect(tools.some((t) => t.name.startsWith("broken__"))).toBe(false);
      expect(box.status().find((s) => s.name === "files")).toMatchObject({ connected: true });
      return box.status().find((s) => s.name === "broken");
    }

    it("a dead server does not hold up the others and shows as not connected", async () => {
      const dead = await brokenNextToLive(`http://127.0.0.1:${await freePort()}/mcp`, 3000);
      expect(dead).toMatchObject({ connected: false, tools: 0 });
      expect(dead?.error).toMatch(/connection refused|connection failed/);
      expect(dead?.error).not.toContain("127.0.0.1");
    });

    it("a server that hangs is bounded by connectTimeoutMs", async () => {
      // A TCP listener that accepts and never answers.
      const silent = await listenOnLoopback(createServer(() => undefined));
      try {
        expect(await brokenNextToLive(`http://127.0.0.1:${silent.port}/mcp`, 2500)).toMatchObject({
          connected: false,
          error: "cannot connect: did not answer within 2.5 s",
        });
      } finally {
        await silent.close();
      }
    });
  });

  it("headers reach an HTTP server (bearer token); without them the status says so, without leaking the URL", async () => {
    const token = "test-token-0123456789abcdef";
    const { url } = await startHttpServer(undefined, { MCP_AUTH_TOKEN: token });
    const withToken = toolbox({
      files: { transport: "streamable_http", url, headers: { Authorization: `Bearer ${token}` } },
    });
    expect(await find(await withToken.tools(), "list_dir").invoke({})).toContain("alpha.txt");
    const without = toolbox({ files: overHttp(url) });
    expect(await without.tools()).toEqual([]);
    const status = without.status()[0];
    expect(status).toMatchObject({
      connected: false,
      error: "cannot connect: HTTP 401 (check the server's token/headers)",
    });
  });

  it("a server restarted on the same port is reconnected (session renewed inside the call, and on the next tools())", async () => {
    const first = await startHttpServer();
    const { box, tools: before } = await workingToolbox(overHttp(first.url));

    await first.service.stop(2000);
    // While it is down: a tool call fails with a clear tool error, and the server shows as disconnected.
    await expect(find(before, "read_text").invoke({ path: "alpha.txt" })).rejects.toThrow(
      /MCP server "files" is unavailable/,
    );
    expect(box.status()[0]).toMatchObject({ connected: false });
    expect(await box.tools()).toEqual([]);

    await startHttpServer(first.port);
    const after = await box.tools();
    expect(box.status()[0]).toMatchObject({ connected: true });
    expect(await find(after, "list_dir").invoke({ path: "." })).toContain("alpha.txt");
  });

  it("a restart the client did not notice: the old session is renewed transparently", async () => {
    const first = await startHttpServer();
    const { box, tools } = await workingToolbox(overHttp(first.url));
    await first.service.stop(2000);
    await startHttpServer(first.port);
    // The server no longer knows the session (HTTP 404): the toolbox starts a new session and retries once.
    expect(await find(tools, "read_text").invoke({ path: "notes.md" })).toContain("# Notes");
    expect(box.status()[0]).toMatchObject({ connected: true });
  });

  it("refreshMs=0: tools() re-checks a connected server and notices a restart before any tool call", async () => {
    const first = await startHttpServer();
    const { box } = await workingToolbox(overHttp(first.url), { refreshMs: 0 });
    first.service.kill("SIGKILL");
    await first.service.exited;
    await startHttpServer(first.port);
    const tools = await box.tools();
    expect(tools.map((t) => t.name)).toContain("read_text");
    expect(await find(tools, "read_text").invoke({ path: "alpha.txt" })).toContain("hello from alpha");
  });

  it("a stdio server whose process dies is restarted on the next tools()", async () => {
    const { box, tools } = await workingToolbox(stdioServer());
    // The toolbox does not expose its child's pid: find the one this test started (its temp root is unique).
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync("pgrep", ["-f", `${FILESERVER} --root ${root}`])
      .toString()
      .trim()
      .split("\n");
    for (const pid of out) process.kill(Number(pid), "SIGKILL");
    await expect(find(tools, "list_dir").invoke({})).rejects.toThrow(/unavailable/);
    const again = await box.tools();
    expect(await find(again, "list_dir").invoke({})).toContain("alpha.txt");
  });
});

// ---------------------------------------------------------------- a scripted in-process MCP server (slow tools)

async function startSlowMcpServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import("node:http");
  const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
  const { StreamableHTTPServerTransport } = await import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  const { z } = await import("zod");
  const http = createServer((req, res) => {
    // Stateless: one server and transport per request.
    const server = new McpServer({ name: "slow", version: "1.0.0" });
    server.registerTool(
      "sleep",
      { description: "Sleeps for ms milliseconds.", inputSchema: { ms: z.number().int().min(0) } },
      async ({ ms }, extra) => {
        await new Promise<void>((resolveSleep) => {
          const timer = setTimeout(resolveSleep, ms);
          extra.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolveSleep();
          });
        });
        return {
          content: [
            { type: "text" as const, text: `slept ${ms}` },
            { type: "text" as const, text: "second block" },
          ],
        };
      },
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => res.destroy());
  });
  const listener = await listenOnLoopback(http);
  return { url: `http://127.0.0.1:${listener.port}/mcp`, close: listener.close };
}

describe("McpToolbox per-tool timeout (in-process MCP server)", { timeout: 20_000 }, () => {
  it("a call past toolTimeoutMs fails with a timeout tool error and the server stays usable", async () => {
    const slow = await startSlowMcpServer();
    try {
      const box = new McpToolbox(
        { slow: { transport: "streamable_http", url: slow.url } },
        { toolTimeoutMs: 300, connectTimeoutMs: 3000 },
      );
      boxes.push(box);
      const tools = await box.tools();
      const sleep = find(tools, "sleep");
      const started = Date.now();
      await expect(sleep.invoke({ ms: 5000 })).rejects.toThrow("the tool sleep did not finish within 0.3 s");
      expect(Date.now() - started).toBeLessThan(4000); // well before the 5 s sleep
      expect(box.status()[0]).toMatchObject({ connected: true });
      // Several text blocks reach the model as one string.
      expect(await sleep.invoke({ ms: 1 })).toBe("slept 1\nsecond block");
    } finally {
      await slow.close();
    }
  });
});

describe("McpToolbox over SSE (in-process MCP server)", { timeout: 20_000 }, () => {
  it("connects with headers on both the event stream and the posted messages", async () => {
    const { createServer } = await import("node:http");
    const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
    const { SSEServerTransport } = await import("@modelcontextprotocol/sdk/server/sse.js");
    const { z } = await import("zod");
    const seen: string[] = [];
    const sessions = new Map<string, InstanceType<typeof SSEServerTransport>>();
    const http = createServer((req, res) => {
      seen.push(`${req.method ?? ""} ${req.headers["x-team"] === "files" ? "with" : "without"} header`);
      if (req.headers["x-team"] !== "files") {
        res.writeHead(401).end();
        return;
      }
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method === "GET" && url.pathname === "/sse") {
        const transport = new SSEServerTransport("/messages", res);
        sessions.set(transport.sessionId, transport);
        const server = new McpServer({ name: "sse", version: "1.0.0" });
        server.registerTool("echo", { description: "Echoes.", inputSchema: { text: z.string() } }, ({ text }) => ({
          content: [{ type: "text" as const, text: `echo: ${text}` }],
        }));
        void server.connect(transport);
        return;
      }
      const transport = sessions.get(url.searchParams.get("sessionId") ?? "");
      if (req.method === "POST" && transport !== undefined) {
        void transport.handlePostMessage(req, res);
        return;
      }
      res.writeHead(404).end();
    });
    const listener = await listenOnLoopback(http);
    try {
      const box = toolbox({
        team: { transport: "sse", url: `http://127.0.0.1:${listener.port}/sse`, headers: { "X-Team": "files" } },
      });
      const tools = await box.tools();
      expect(tools.map((t) => t.name)).toEqual(["echo"]);
      expect(await find(tools, "echo").invoke({ text: "hi" })).toBe("echo: hi");
      expect(seen).toContain("GET with header");
      expect(seen).toContain("POST with header");
      expect(seen.some((s) => s.includes("without"))).toBe(false);
      await box.close();
    } finally {
      await listener.close();
    }
  });
});
