import { readSse } from "@acb/testkit";
import { Redis } from "ioredis";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { post } from "./scenarios.js";
import { contentText, pipelineScript } from "./script.js";
import { useBackend } from "./fixtures.js";
import { replicaSet } from "./stack.js";

// Two tenants, two gateways, two runners, one real Redis: what one tenant does is invisible to the other.
const ACME = "acme-key-0123456789abcdef";
const GLOBEX = "globex-key-0123456789abcdef";

const backend = useBackend(pipelineScript);
const { gateways, start, stop } = replicaSet();
let admin: Redis;

const asTenant = (key: string, body: unknown): RequestInit => post(body, { authorization: `Bearer ${key}` });
const gw = (i: number): string => gateways[i]?.url ?? "";

beforeAll(async () => {
  const common = { ...backend.env, USE_MCP_IN_CHAT: "false" };
  const auth = { AUTH_MODE: "api_key", API_KEYS: `acme:${ACME},globex:${GLOBEX}` };
  await start([common, common], { ...common, ...auth });
  admin = new Redis(backend.redis.url);
});

afterAll(async () => {
  admin?.disconnect();
  await stop();
});

/** What the model was sent for the last turn whose input was `input`. */
const sentFor = (input: string): string => {
  const req = [...backend.upstream.requests]
    .reverse()
    .find((r) => contentText(r.body.messages.at(-1)?.content) === input);
  return (req?.body.messages ?? []).map((m) => `${m.role}: ${contentText(m.content)}`).join("\n");
};

describe("security across replicas: 2 gateways × 2 runners on Redis, two tenants", () => {
  it("refuses requests without a key", async () => {
    const res = await fetch(`${gw(0)}/v1/chat`, post({ session_id: "s", input: "x" }));
    expect(res.status).toBe(401);
  });

  it("another tenant's session_id is a different, empty conversation (runners scope the history)", async () => {
    expect(
      (await fetch(`${gw(0)}/v1/chat`, asTenant(ACME, { session_id: "shared", input: "acme secret: the red door" })))
        .status,
    ).toBe(200);
    expect(
      (await fetch(`${gw(1)}/v1/chat`, asTenant(GLOBEX, { session_id: "shared", input: "globex asks for the secret" })))
        .status,
    ).toBe(200);
    expect(sentFor("globex asks for the secret")).not.toContain("red door");
    // The owner still has its conversation, from the other replica.
    await fetch(`${gw(1)}/v1/chat`, asTenant(ACME, { session_id: "shared", input: "acme asks again" }));
    expect(sentFor("acme asks again")).toContain("acme secret: the red door");
    // History keys stay hash-tagged (one Cluster slot per session), one per tenant.
    const keys = (await admin.keys("acb:history:*")).filter((k) => !k.endsWith(":turns"));
    expect(keys.filter((k) => /^acb:history:\{t\.[A-Za-z0-9_-]{22}:shared\}$/.test(k))).toHaveLength(2);
  });

  it("another tenant cannot follow or resume a turn: 404, the same as a turn that never existed", async () => {
    const res = await fetch(
      `${gw(0)}/v1/chat/stream`,
      asTenant(ACME, { session_id: "private", input: "slow:60:one two three four five six" }),
    );
    const turnId = res.headers.get("x-turn-id") ?? "";
    expect(turnId).not.toBe("");
    const follow = (key: string, id: string, lastEventId?: string) =>
      fetch(`${gw(1)}/v1/turns/${id}/events`, {
        headers: { authorization: `Bearer ${key}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
      });
    // While it runs and after it ended.
    const live = await follow(GLOBEX, turnId);
    expect(live.status).toBe(404);
    await res.text();
    const [foreign, unknown, resume] = await Promise.all([
      follow(GLOBEX, turnId),
      follow(GLOBEX, "turn_neverexisted0"),
      follow(GLOBEX, turnId, "0-1"),
    ]);
    expect([foreign.status, unknown.status, resume.status]).toEqual([404, 404, 404]);
    const body = await unknown.text();
    expect(await foreign.text()).toBe(body);
    expect(await resume.text()).toBe(body);
    const headers = (r: Response) => [...r.headers.entries()].filter(([k]) => k !== "date");
    expect(headers(foreign)).toEqual(headers(unknown));
    // The owner follows it from the other replica; `done` carries its session id only to it.
    const own = await readSse(`${gw(1)}/v1/turns/${turnId}/events`, { headers: { authorization: `Bearer ${ACME}` } });
    expect(own.messages.at(-1)).toMatchObject({ event: "done", data: "private" });
  });

  it("the WebSocket refuses a foreign Origin (403) and a foreign Host (421); a client without Origin works", async () => {
    const port = gateways[0]?.port ?? 0;
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port,
          path: "/ws/chat",
          headers: {
            connection: "Upgrade",
            upgrade: "websocket",
            "sec-websocket-version": "13",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            authorization: `Bearer ${ACME}`,
            ...headers,
          },
        });
        req.on("response", (r) => resolve(r.statusCode ?? 0));
        req.on("upgrade", (r, socket) => {
          socket.destroy();
          resolve(r.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await status({ origin: "https://evil.example" })).toBe(403);
    expect(await status({ host: "attacker.example" })).toBe(421);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`, { headers: { authorization: `Bearer ${ACME}` } });
    const done = await new Promise<{ event: string; data?: string }>((resolve, reject) => {
      ws.on("open", () => ws.send(JSON.stringify({ session_id: "ws", input: "hi" })));
      ws.on("message", (raw) => {
        const frame = JSON.parse(String(raw)) as { event: string; data?: string };
        if (frame.event === "done") resolve(frame);
      });
      ws.on("error", reject);
    });
    ws.close();
    expect(done).toMatchObject({ event: "done", data: "ws" });
  });
});
