import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post } from "./scenarios.js";
import { contentText, pipelineScript } from "./script.js";
import { useBackend } from "./fixtures.js";
import { replicaSet } from "./stack.js";

// API_KEYS_FILE limits.history_max_bytes across processes: only the gateway reads the key file; the runner commits
// each turn under the bound the gateway put on its job, in Redis (the Lua trim), over its own HISTORY_MAX_BYTES.
const SMALL = "small-history-key-0123456789";
const PLAIN = "plain-history-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "acb-e2e-key-limits-"));
const keysFile = join(dir, "keys.json");
writeFileSync(
  keysFile,
  JSON.stringify([
    { tenant: "acme", key: SMALL, limits: { history_max_bytes: 4000 } },
    { tenant: "globex", key: PLAIN },
  ]),
);

const backend = useBackend(pipelineScript);
const { gateways, start, stop } = replicaSet();

beforeAll(async () => {
  const common = { ...backend.env, OPENAI_API_KEY: "sk-test", USE_MCP_IN_CHAT: "false" };
  await start(
    [{ ...common, HISTORY_MAX_BYTES: "65536" }],
    { ...common, AUTH_MODE: "api_key", API_KEYS_FILE: keysFile },
    1,
  );
}, 60_000);

afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Four ~3 KB turns in one session, then a fifth: the earlier inputs its prompt still carried. */
async function keptInputs(key: string, label: string): Promise<string[]> {
  const send = (input: string) =>
    fetch(
      `${gateways[0]?.url ?? ""}/v1/chat`,
      post({ session_id: `${label}-s`, input }, { authorization: `Bearer ${key}` }),
    );
  for (let i = 1; i <= 4; i++) expect((await send(`${label} turn ${i} ${"x".repeat(1500)}`)).status).toBe(200);
  expect((await send(`${label} last`)).status).toBe(200);
  const last = backend.upstream.requests.find(
    (r) => contentText(r.body.messages.at(-1)?.content ?? "") === `${label} last`,
  );
  return (last?.body.messages ?? [])
    .filter((m) => m.role === "user")
    .map((m) => contentText(m.content).slice(0, label.length + 7))
    .filter((text) => text.includes(" turn "));
}

describe("API_KEYS_FILE limits.history_max_bytes on a runner", () => {
  it("the small key's session keeps its newest turn only; the other key's keeps the runner's HISTORY_MAX_BYTES", async () => {
    const [small, plain] = await Promise.all([keptInputs(SMALL, "small"), keptInputs(PLAIN, "plain")]);
    expect(small).toEqual(["small turn 4"]);
    expect(plain).toEqual(["plain turn 1", "plain turn 2", "plain turn 3", "plain turn 4"]);
  });
});
