// The docs server in the distributed pipeline: real redis-server, a gateway and a runner processes, the file
// server and the docs server over streamable HTTP given to the runner through MCP_SERVERS; a scripted upstream
// model calls docs__vector_search then docs__doc_get.
import { docsAgentScript, readSse, recordedText } from "@acb/testkit";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post } from "./scenarios.js";
import { useBackend, useFileServer } from "./fixtures.js";
import { replicaSet, startDocsServerHttp, type Service } from "./stack.js";

const backend = useBackend(docsAgentScript("how is a running turn cancelled"));
const files = useFileServer();
const { gateways, start, stop } = replicaSet();
let docs: Service;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "acb-e2e-docs-"));
  docs = await startDocsServerHttp(dataDir);
  const mcpServers = JSON.stringify({
    files: { transport: "streamable_http", url: files.server.url },
    docs: { transport: "http", url: docs.url },
  });
  await start([{ ...backend.env, MCP_SERVERS: mcpServers }], backend.env, 1);
});

afterAll(async () => {
  await stop();
  await docs?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const gateway = (): string => gateways[0]?.url ?? "";

describe("distributed: the runner uses the docs server over HTTP next to the file server", () => {
  it("agent stream: docs__vector_search then docs__doc_get, and each tool's output reaches the model's next request", async () => {
    const res = await readSse(
      `${gateway()}/v1/agent/chat/stream`,
      post({ input: "how do I cancel a running turn?", session_id: "docs-distributed" }),
    );
    expect(res.status).toBe(200);
    const tools = res.messages
      .filter((m) => m.event === "tool_start" || m.event === "tool_end")
      .map((m) => `${m.event} ${m.data}`);
    expect(tools).toEqual([
      "tool_start docs__vector_search",
      "tool_end docs__vector_search",
      "tool_start docs__doc_get",
      "tool_end docs__doc_get",
    ]);
    expect(res.messages.at(-1)).toMatchObject({ event: "done", data: "docs-distributed" });

    expect(backend.upstream.requests).toHaveLength(3);
    const [first, second, third] = backend.upstream.requests;
    const offered = (first?.body.tools ?? []).map((t) => (t as { function: { name: string } }).function.name);
    expect(offered).toEqual(
      expect.arrayContaining(["files__list_dir", "files__read_text", "docs__vector_search", "docs__doc_get"]),
    );
    // the search ran over the seeded sample; its best hit's id is what the model asked doc_get for
    const searchOut = recordedText(second?.body.messages.at(-1)?.content);
    const best = /^1\. (\S+) .*\(id ([^\s,]+), score /m.exec(searchOut);
    expect(best?.[1]).toMatch(/\.(md|txt|html)$/);
    const getCall = (third?.body.messages.find(
      (m) => m.role === "assistant" && JSON.stringify(m.tool_calls ?? []).includes("doc_get"),
    )?.tool_calls ?? []) as Array<{ function: { arguments: string } }>;
    expect(JSON.parse(getCall[0]?.function.arguments ?? "{}")).toEqual({ id: best?.[2] });
    const getOut = recordedText(third?.body.messages.at(-1)?.content);
    expect(getOut).toContain(` — ${best?.[1]} (chunk `);
    expect(getOut.toLowerCase()).toContain("cancel");
    const answer = res.messages
      .filter((m) => m.event === "token")
      .map((m) => m.data)
      .join("");
    expect(answer.startsWith(`docs: `)).toBe(true);
    expect(answer).toContain(best?.[1] ?? "?");
  });

  it("readiness reports both MCP servers as the runner sees them", async () => {
    const body = (await (await fetch(`${gateway()}/readiness`)).json()) as {
      checks: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(body.checks.mcp?.ok).toBe(true);
    expect(body.checks.mcp?.detail).toMatch(/docs: 2 tools/);
    expect(body.checks.mcp?.detail).toMatch(/files: \d+ tools/);
  });
});
