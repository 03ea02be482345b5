/**
 * The built server, driven by the official MCP SDK client over stdio and streamable HTTP, on the shipped
 * sample collection: every tool, and hostile arguments.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  connectHttp,
  connectOver,
  connectStdio,
  firstText,
  ingestCli,
  runCli,
  SAMPLE,
  startHttpServer,
  TOKEN,
  type Conn,
  type HttpProc,
} from "./helpers.js";
import { startPglite, type PgHandle } from "./pglite.js";

const base = realpathSync(mkdtempSync(join(tmpdir(), "mcpdocs-mcp-")));
const dataDir = join(base, "data");
const lanceEnv = { DOCS_DATA_DIR: dataDir };
let pg: PgHandle;
// PGlite serves one connection at a time: a pool of one
const pgEnv = () => ({ DOCS_DATABASE_URL: pg.url, DOCS_DATABASE_POOL_SIZE: "1" });

/** A chunk id from another collection than the one served. */
let foreign: string;

beforeAll(async () => {
  // the Lance collections and the Postgres one share nothing: built side by side
  await Promise.all([
    (async () => {
      await ingestCli(SAMPLE, lanceEnv);
      await ingestCli(SAMPLE, { ...lanceEnv, DOCS_COLLECTION: "other" });
      const other = await connectStdio(["--collection", "other"], lanceEnv);
      try {
        foreign = hitsOf(await call(other.client, "vector_search", { query: "redis", k: 1 }))[0]!.id;
      } finally {
        await other.close();
      }
    })(),
    (async () => {
      pg = await startPglite();
      await ingestCli(SAMPLE, pgEnv());
    })(),
  ]);
});
afterAll(async () => {
  await pg.stop();
  rmSync(base, { recursive: true, force: true });
});

interface Hit {
  id: string;
  source: string;
  title: string;
  heading: string;
  score: number;
  text: string;
}

const hitsOf = (o: { structured: Record<string, unknown> | undefined }) => (o.structured?.hits ?? []) as Hit[];

function noLeak(text: string): void {
  expect(text).not.toContain(base);
  expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  expect(text).not.toContain("postgres://");
}

const setups: Array<[string, () => Promise<Conn>]> = [
  ["lance over stdio", () => connectOver("stdio", [], lanceEnv)],
  ["lance over streamable HTTP with a bearer token", () => connectOver("http", [], lanceEnv)],
  ["postgres (PGlite + pgvector over the wire) over stdio", () => connectOver("stdio", [], pgEnv())],
];

describe.each(setups)("%s", (_name, setup) => {
  let conn: Conn;
  beforeAll(async () => {
    conn = await setup();
  });
  afterAll(async () => {
    await conn.close();
  });

  it("lists both tools, read-only annotated, with k bounded in the schema", async () => {
    const { tools } = await conn.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["doc_get", "vector_search"]);
    for (const t of tools) expect(t.annotations?.readOnlyHint).toBe(true);
    const vs = tools.find((t) => t.name === "vector_search");
    expect((vs?.inputSchema.properties as Record<string, { maximum?: number }>).k?.maximum).toBe(50);
  });

  it("vector_search ranks the page that answers first, with id, source, title, heading, score and text", async () => {
    const o = await call(conn.client, "vector_search", { query: "How do I cancel a running turn?" });
    expect(o.refused).toBe(false);
    const hits = hitsOf(o);
    expect(hits.length).toBe(5);
    expect(hits[0]?.source).toBe("reference/turns-and-streams.md");
    expect(hits[0]?.title).toBe("Turns, queues and streams");
    expect(hits.some((h) => h.heading.includes("Cancelling") && h.text.includes("/v1/turns/{turn_id}/cancel"))).toBe(
      true,
    );
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    expect(firstText(o)).toContain("reference/turns-and-streams.md");
    noLeak(o.text);
  });

  it("each mode and each filter narrows as documented", async () => {
    for (const mode of ["vector", "lexical", "hybrid"]) {
      const o = await call(conn.client, "vector_search", { query: "deny-list .env pem", k: 3, mode });
      expect(hitsOf(o)[0]?.source, mode).toBe("reference/mcp-fileserver.md");
    }
    const html = await call(conn.client, "vector_search", {
      query: "scaling runners",
      k: 10,
      filter: { formats: ["html"] },
    });
    expect(hitsOf(html).length).toBeGreaterThan(0);
    expect(hitsOf(html).every((h) => h.source === "guides/deployment.html")).toBe(true);
    const guides = await call(conn.client, "vector_search", {
      query: "model",
      k: 10,
      filter: { source_prefix: "guides/" },
    });
    expect(hitsOf(guides).every((h) => h.source.startsWith("guides/"))).toBe(true);
    const one = await call(conn.client, "vector_search", { query: "model", k: 10, filter: { sources: ["faq.txt"] } });
    expect(new Set(hitsOf(one).map((h) => h.source))).toEqual(new Set(["faq.txt"]));
    const none = await call(conn.client, "vector_search", {
      query: "model",
      filter: { sources: ["../../etc/passwd"] },
    });
    expect(none.refused).toBe(false);
    expect(hitsOf(none)).toEqual([]);
  });

  it("doc_get returns the chunk, its document's metadata and its neighbours", async () => {
    const s = await call(conn.client, "vector_search", {
      query: "WebSocket client sends session_id and input",
      k: 1,
      filter: { sources: ["reference/http-api.md"] },
    });
    const hit = hitsOf(s)[0] as Hit;
    const o = await call(conn.client, "doc_get", { id: hit.id, neighbours: 1 });
    expect(o.refused).toBe(false);
    const d = o.structured as {
      id: string;
      text: string;
      ordinal: number;
      document: { source: string; title: string; format: string; chunks: number; bytes: number };
      before: Array<{ ordinal: number }>;
      after: Array<{ ordinal: number }>;
    };
    expect(d.id).toBe(hit.id);
    expect(d.text).toBe(hit.text);
    expect(d.document).toMatchObject({
      source: "reference/http-api.md",
      title: "HTTP API reference",
      format: "markdown",
    });
    expect(d.document.chunks).toBeGreaterThan(1);
    expect([...d.before, ...d.after].length).toBeGreaterThan(0);
    for (const b of d.before) expect(b.ordinal).toBe(d.ordinal - 1);
    for (const a of d.after) expect(a.ordinal).toBe(d.ordinal + 1);
    const plain = await call(conn.client, "doc_get", { id: hit.id });
    expect((plain.structured as { before: unknown[] }).before).toEqual([]);
  });

  it("refuses hostile vector_search arguments, naming the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ query: "x", k: 1_000_000_000 }, /k/],
      [{ query: "x", k: 51 }, /k/],
      [{ query: "x", k: 0 }, /k/],
      [{ query: "x", k: 2.5 }, /k/],
      [{ query: "x", k: "5" }, /k/],
      [{ query: "" }, /query/],
      [{ query: "   " }, /query/],
      [{ query: "x".repeat(5000) }, /query/],
      [{ query: 42 }, /query/],
      [{}, /query/],
      [{ query: "x", filter: { evil: 1 } }, /evil|unrecognized/i],
      [{ query: "x", filter: { sources: "faq.txt" } }, /sources/],
      [{ query: "x", filter: { sources: [] } }, /sources/],
      [{ query: "x", filter: { sources: Array.from({ length: 101 }, (_, i) => `s${i}`) } }, /sources/],
      [{ query: "x", filter: { formats: ["pdf"] } }, /formats/],
      [{ query: "x", filter: { source_prefix: "a\u0000b" } }, /source_prefix/],
      [{ query: "x", filter: "sources=faq.txt" }, /filter/],
      [{ query: "x", mode: "sql" }, /mode/],
      [["query"], /./],
    ];
    for (const [args, field] of cases) {
      const o = await call(conn.client, "vector_search", args);
      expect(o.refused, JSON.stringify(args).slice(0, 80)).toBe(true);
      expect(o.text).toMatch(field);
      noLeak(o.text);
    }
  });

  it("refuses bad ids with a clear tool error: malformed, path tricks, another collection, unknown", async () => {
    const own = hitsOf(await call(conn.client, "vector_search", { query: "redis", k: 1 }))[0]!.id;
    const [cid, digest] = own.split("~");
    const cases: Array<[unknown, RegExp]> = [
      [{ id: "../../etc/passwd" }, /INVALID_ARGUMENT: id is not a chunk id/],
      [{ id: "x' OR '1'='1" }, /INVALID_ARGUMENT/],
      [{ id: `${cid}~${digest}~99999` }, /NOT_FOUND/],
      [{ id: `${cid}~0000000000000000~0` }, /NOT_FOUND/],
      [{ id: foreign }, /OTHER_COLLECTION/],
      [{ id: "" }, /id/],
      [{ id: 7 }, /id/],
      [{ id: own, neighbours: 99 }, /neighbours/],
      [{ id: own, neighbours: -1 }, /neighbours/],
    ];
    for (const [args, expected] of cases) {
      const o = await call(conn.client, "doc_get", args);
      expect(o.refused, JSON.stringify(args)).toBe(true);
      expect(o.text).toMatch(expected);
      noLeak(o.text);
    }
  });
});

describe("collection state", () => {
  it("an empty collection answers NOT_INGESTED; a query embedder that differs from the collection's answers EMBEDDINGS", async () => {
    const [empty, mismatch] = await Promise.all([
      connectStdio([], { DOCS_DATA_DIR: join(base, "empty") }),
      connectStdio([], { ...lanceEnv, DOCS_HASHING_DIMENSIONS: "256" }),
    ]);
    try {
      const o = await call(empty.client, "vector_search", { query: "redis" });
      expect(o.refused).toBe(true);
      expect(o.text).toContain("NOT_INGESTED");
      const m = await call(mismatch.client, "vector_search", { query: "redis" });
      expect(m.refused).toBe(true);
      expect(m.text).toMatch(/EMBEDDINGS: the collection was built with hashing-v1:512/);
    } finally {
      await Promise.all([empty.close(), mismatch.close()]);
    }
  });
});

describe("HTTP front", () => {
  let proc: HttpProc;
  beforeAll(async () => {
    proc = await startHttpServer(["--max-k", "10"], {
      ...lanceEnv,
      MCP_AUTH_TOKEN: TOKEN,
      DOCS_MAX_BODY_BYTES: "4096",
    });
  });
  afterAll(async () => {
    await proc.stop();
  });
  const init = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
  /** The status of a POST to /mcp (or `path`) with these headers besides the JSON ones. */
  const post = async (extra: Record<string, string>, body = init, path = "/mcp"): Promise<number> => {
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", ...extra };
    return (await fetch(`${proc.base}${path}`, { method: "POST", headers, body })).status;
  };
  const auth = { authorization: `Bearer ${TOKEN}` };

  it("answers /healthz without a token, and refuses /mcp without one or with a wrong one", async () => {
    expect((await fetch(`${proc.base}/healthz`)).status).toBe(200);
    expect(await post({})).toBe(401);
    expect(await post({ authorization: "Bearer wrong-token-0123456789" })).toBe(401);
    expect(await post({}, init, `/mcp?access_token=${TOKEN}`)).toBe(401);
  });

  it("refuses a foreign Origin and a body over the limit", async () => {
    expect(await post({ ...auth, origin: "https://evil.example" })).toBe(403);
    expect(await post(auth, JSON.stringify({ pad: "x".repeat(8192) }))).toBe(413);
    expect(await post({ ...auth, origin: "http://localhost:3000" })).toBe(200);
  });

  it("applies --max-k to the tool", async () => {
    const conn = await connectHttp(proc.base, TOKEN, proc.output);
    try {
      expect((await call(conn.client, "vector_search", { query: "redis", k: 10 })).refused).toBe(false);
      expect((await call(conn.client, "vector_search", { query: "redis", k: 11 })).refused).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it("refuses to bind a non-loopback address without a token, naming MCP_AUTH_TOKEN", async () => {
    const r = await runCli(["--transport", "http", "--host", "0.0.0.0", "--port", "0"], lanceEnv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("MCP_AUTH_TOKEN");
  });
});
