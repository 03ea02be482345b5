// Turn control across tenants: another tenant's turn id is the same 404 as one that never existed, for
// cancel (HTTP and WebSocket) and resume; equal session ids of two tenants never wait on each other.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { gatewayFromEnv, post, sseEvents, type InProcessGateway } from "./auth-harness.js";

const KEY_ACME = "acme-key-0123456789abcdef";
const KEY_GLOBEX = "globex-key-0123456789abcdef";
const acme = { "x-api-key": KEY_ACME };
const globex = { "x-api-key": KEY_GLOBEX };

describe("turn control is per tenant", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({ AUTH_MODE: "api_key", API_KEYS: `acme:${KEY_ACME},globex:${KEY_GLOBEX}` });
  });
  afterAll(async () => gw.close());

  it("cancel and resume of another tenant's turn are 404, exactly like an unknown turn; the owner gets 202", async () => {
    const res = await gw.app.request("/v1/chat/stream", post({ session_id: "shared", input: "hello there" }, acme));
    const turnId = res.headers.get("x-turn-id") ?? "";
    await sseEvents(res);
    const foreign = await gw.app.request(`/v1/turns/${turnId}/cancel`, { method: "POST", headers: globex });
    const unknown = await gw.app.request(`/v1/turns/nosuchturn0000000000/cancel`, { method: "POST", headers: globex });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual(await unknown.json());
    expect((await gw.app.request(`/v1/turns/${turnId}/events`, { headers: globex })).status).toBe(404);
    expect((await gw.app.request(`/v1/turns/${turnId}/cancel`, { method: "POST", headers: acme })).status).toBe(202);
    expect((await gw.app.request(`/v1/turns/${turnId}/cancel`, { method: "POST" })).status).toBe(401);
  });

  it("a WebSocket cancel of another tenant's turn is the unknown-turn error frame", async () => {
    const res = await gw.app.request("/v1/chat/stream", post({ session_id: "ws-shared", input: "hi" }, acme));
    const turnId = res.headers.get("x-turn-id") ?? "";
    await sseEvents(res);
    const host = await gw.listen();
    const ws = new WebSocket(`ws://${host}/ws/chat`, { headers: globex });
    try {
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const frame = new Promise<{ event: string; data?: string }>((resolve) => ws.once("message", (raw) => resolve(JSON.parse(String(raw)) as { event: string; data?: string })));
      ws.send(JSON.stringify({ type: "cancel", turn_id: turnId }));
      expect(await frame).toEqual({ event: "error", data: "no such turn (it may have expired)", turn_id: turnId });
    } finally {
      ws.terminate();
    }
  });

  it("reject on one tenant's busy session does not see another tenant's equal session id", async () => {
    const first = await gw.app.request("/v1/chat/stream", post({ session_id: "same-id", input: "tell me a long story about lighthouses" }, acme));
    const other = await gw.app.request("/v1/chat/stream", post({ session_id: "same-id", input: "hi", multitask_strategy: "reject" }, globex));
    expect(other.status).toBe(200);
    await Promise.all([sseEvents(first), sseEvents(other)]);
  });
});
