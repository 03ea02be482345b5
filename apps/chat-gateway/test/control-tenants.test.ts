// Turn control across tenants: another tenant's turn id is the same 404 as one that never existed, for
// cancel (HTTP and WebSocket) and resume; equal session ids of two tenants never wait on each other.
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { json, sseEvents, useGatewayFromEnv, useScriptedApp } from "./harness.js";
import { KEY_ACME, KEY_GLOBEX, TWO_TENANTS } from "./tenants.js";

const acme = { "x-api-key": KEY_ACME };
const globex = { "x-api-key": KEY_GLOBEX };

describe("turn control is per tenant", () => {
  const stack = useGatewayFromEnv(TWO_TENANTS);

  it("cancel and resume of another tenant's turn are 404, exactly like an unknown turn; the owner gets 202", async () => {
    const res = await stack.gw.app.request(
      "/v1/chat/stream",
      json({ session_id: "shared", input: "hello there" }, acme),
    );
    const turnId = res.headers.get("x-turn-id") ?? "";
    await sseEvents(res);
    const foreign = await stack.gw.app.request(`/v1/turns/${turnId}/cancel`, { method: "POST", headers: globex });
    const unknown = await stack.gw.app.request(`/v1/turns/nosuchturn0000000000/cancel`, {
      method: "POST",
      headers: globex,
    });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual(await unknown.json());
    expect((await stack.gw.app.request(`/v1/turns/${turnId}/events`, { headers: globex })).status).toBe(404);
    expect((await stack.gw.app.request(`/v1/turns/${turnId}/cancel`, { method: "POST", headers: acme })).status).toBe(
      202,
    );
    expect((await stack.gw.app.request(`/v1/turns/${turnId}/cancel`, { method: "POST" })).status).toBe(401);
  });

  it("a WebSocket cancel of another tenant's turn is the unknown-turn error frame", async () => {
    const res = await stack.gw.app.request("/v1/chat/stream", json({ session_id: "ws-shared", input: "hi" }, acme));
    const turnId = res.headers.get("x-turn-id") ?? "";
    await sseEvents(res);
    const host = await stack.gw.listen();
    const ws = new WebSocket(`ws://${host}/ws/chat`, { headers: globex });
    try {
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const frame = new Promise<{ event: string; data?: string }>((resolve) =>
        ws.once("message", (raw) => resolve(JSON.parse(String(raw)) as { event: string; data?: string })),
      );
      ws.send(JSON.stringify({ type: "cancel", turn_id: turnId }));
      expect(await frame).toEqual({ event: "error", data: "no such turn (it may have expired)", turn_id: turnId });
    } finally {
      ws.terminate();
    }
  });
});

describe("sessions are ordered per tenant", () => {
  const stack = useScriptedApp(TWO_TENANTS, {
    script: () => ({ kind: "text", chunks: ["slow ", "answer ", "here"], delayMs: 300 }),
  });

  it("reject: a busy session of one tenant is 409 for that tenant only; another tenant's equal session id runs", async () => {
    const first = await stack.gw.app.request(
      "/v1/chat/stream",
      json({ session_id: "same-id", input: "long one" }, acme),
    );
    const sameTenant = await stack.gw.app.request(
      "/v1/chat/stream",
      json({ session_id: "same-id", input: "again", multitask_strategy: "reject" }, acme),
    );
    const otherTenant = await stack.gw.app.request(
      "/v1/chat/stream",
      json({ session_id: "same-id", input: "hi", multitask_strategy: "reject" }, globex),
    );
    expect(sameTenant.status).toBe(409);
    expect(otherTenant.status).toBe(200);
    const [a, b] = await Promise.all([sseEvents(first), sseEvents(otherTenant)]);
    expect(a.at(-1)?.event).toBe("done");
    expect(b.at(-1)?.event).toBe("done");
  });
});
