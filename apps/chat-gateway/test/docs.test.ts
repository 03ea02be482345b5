// Embedded mode's docs server (apps/mcp-docs over stdio, seeded with apps/mcp-docs/sample): the agent calls
// docs__vector_search then docs__doc_get, with a scripted upstream model and with the offline demo model.
import { docsAgentScript, readSse, recordedText, tokenText } from "@acb/testkit";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesRoot, json, startInProcessGateway, useScriptedGateway, type ListeningGateway } from "./harness.js";

const toolEvents = (messages: Array<{ event?: string; data: string }>) =>
  messages.filter((m) => m.event === "tool_start" || m.event === "tool_end").map((m) => `${m.event} ${m.data}`);
const TOOL_ORDER = [
  "tool_start docs__vector_search",
  "tool_end docs__vector_search",
  "tool_start docs__doc_get",
  "tool_end docs__doc_get",
];

describe("embedded mode attaches the docs server next to the file server", { timeout: 60_000 }, () => {
  const stack = useScriptedGateway(
    { TURN_TIMEOUT_MS: "30000", MCP_CONNECT_TIMEOUT_MS: "30000" },
    { files: { "notes.txt": "notes\n" } },
  );

  it("an agent turn searches the shipped sample and reads the best hit: tool events in the stream, tool output back to the model", async () => {
    stack.upstream.script(docsAgentScript("what is the offline demo model"));
    const before = stack.upstream.requests.length;
    const res = await readSse(
      `${stack.gw.url}/v1/agent/chat/stream`,
      json({ input: "what is the offline demo model?", session_id: "docs-embedded" }),
    );
    expect(res.status).toBe(200);
    expect(toolEvents(res.messages)).toEqual(TOOL_ORDER);
    expect(res.messages.at(-1)?.event).toBe("done");

    const requests = stack.upstream.requests.slice(before);
    expect(requests).toHaveLength(3);
    // both servers' tools are offered, prefixed by server
    const offered = (requests[0]?.body.tools ?? []).map((t) => (t as { function: { name: string } }).function.name);
    expect(offered).toEqual(expect.arrayContaining(["files__list_dir", "docs__vector_search", "docs__doc_get"]));
    // the search's hits (from the sample) reach the model, then the chunk doc_get fetched for the best one
    const searchOut = recordedText(requests[1]?.body.messages.at(-1)?.content);
    expect(requests[1]?.body.messages.at(-1)?.role).toBe("tool");
    expect(searchOut).toMatch(/^1\. guides\/offline-model\.md .*\(id [^\s,]+, score /);
    const getOut = recordedText(requests[2]?.body.messages.at(-1)?.content);
    expect(getOut).toContain("The offline demo model — guides/offline-model.md (chunk");
    expect(getOut).toContain("[offline demo model]");
    expect(tokenText(res.messages)).toContain("docs: The offline demo model — guides/offline-model.md");

    const ready = (await (await fetch(`${stack.gw.url}/readyz`)).json()) as {
      checks: Record<string, { detail?: string }>;
    };
    expect(JSON.stringify(ready)).toMatch(/docs: 2 tools/);
  });
});

describe("the offline demo model (no key) uses the docs tools out of the box", { timeout: 60_000 }, () => {
  let root: string;
  let gw: ListeningGateway;
  beforeAll(async () => {
    root = filesRoot({ "notes.txt": "notes\n" });
    gw = await startInProcessGateway({ FILES_ROOT: root, MCP_CONNECT_TIMEOUT_MS: "30000" });
  });
  afterAll(async () => {
    await gw?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("'what do the docs say about …' streams vector_search then doc_get, then quotes the passage", async () => {
    const res = await readSse(
      `${gw.url}/v1/agent/chat/stream`,
      json({ input: "What do the docs say about the offline demo model?", session_id: "docs-offline" }),
    );
    expect(res.status).toBe(200);
    expect(toolEvents(res.messages)).toEqual(TOOL_ORDER);
    const text = tokenText(res.messages);
    expect(text).toMatch(
      /^\[offline demo model\] The docs answer this in The offline demo model — guides\/offline-model\.md \(chunk \d+ of \d+/,
    );
    expect(res.messages.at(-1)?.event).toBe("done");
  });
});
