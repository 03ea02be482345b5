import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post } from "./scenarios.js";
import { contentText, pipelineScript } from "./script.js";
import { useBackend } from "./fixtures.js";
import { replicaSet } from "./stack.js";

// API_KEYS_FILE limits across processes: only the gateway reads the key file. history_max_bytes: the runner commits
// each turn under the bound the gateway put on its job, in Redis (the Lua trim), over its own HISTORY_MAX_BYTES.
// max_queued_turns: the gateway counts the key's turns in Redis until the runner starts them.
const SMALL = "small-history-key-0123456789";
const PLAIN = "plain-history-key-0123456789";
const QUEUE_ONE = "queue-one-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "acb-e2e-key-limits-"));
const keysFile = join(dir, "keys.json");
writeFileSync(
  keysFile,
  JSON.stringify([
    { tenant: "acme", key: SMALL, limits: { history_max_bytes: 4000 } },
    { tenant: "globex", key: PLAIN },
    { tenant: "initech", key: QUEUE_ONE, limits: { max_queued_turns: 1 } },
  ]),
);

const backend = useBackend(pipelineScript);
const { gateways, start, stop } = replicaSet();

beforeAll(async () => {
  const common = { ...backend.env, OPENAI_API_KEY: "sk-test", USE_MCP_IN_CHAT: "false" };
  await start(
    [{ ...common, HISTORY_MAX_BYTES: "65536", RUNNER_CONCURRENCY: "1" }],
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

describe("API_KEYS_FILE limits.max_queued_turns with a runner", () => {
  const send = (key: string, session: string, input: string) =>
    fetch(
      `${gateways[0]?.url ?? ""}/v1/chat/stream`,
      post({ session_id: session, input }, { authorization: `Bearer ${key}` }),
    );
  const modelGot = (input: string) =>
    backend.upstream.requests.some((r) => contentText(r.body.messages.at(-1)?.content ?? "") === input);

  it("the key's second waiting turn is 429; once the runner starts its turn the key may queue one more", async () => {
    // The runner takes one turn at a time: another key's slow turn holds it (1.8 s: the next two requests land
    // while it runs, even on a busy box).
    const busy = await send(PLAIN, "mq-plain", "slow:600:one two three");
    expect(busy.status).toBe(200);
    await expect.poll(() => modelGot("slow:600:one two three")).toBe(true);
    const waiting = await send(QUEUE_ONE, "mq-1", "waiting");
    expect(waiting.status).toBe(200);
    const refused = await send(QUEUE_ONE, "mq-2", "refused");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      error: { message: "rate limit reached: turns waiting for a runner" },
    });
    await Promise.all([busy.text(), waiting.text()]);
    // Running, it waits no more: one more may queue behind it, not two.
    const running = await send(QUEUE_ONE, "mq-3", "slow:600:a b c");
    expect(running.status).toBe(200);
    await expect.poll(() => modelGot("slow:600:a b c")).toBe(true);
    const behind = await send(QUEUE_ONE, "mq-4", "behind");
    expect(behind.status).toBe(200);
    expect((await send(QUEUE_ONE, "mq-5", "too many")).status).toBe(429);
    await Promise.all([running.text(), behind.text()]);
  });
});
