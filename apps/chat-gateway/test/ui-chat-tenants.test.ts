import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayFromEnv, type InProcessGateway } from "./harness.js";

const KEY_ACME = "acme-key-0123456789abcdef";
const KEY_GLOBEX = "globex-key-0123456789abcdef";
const bearer = (key: string) => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
const uiChat = (id: string, text: string) =>
  JSON.stringify({
    id,
    trigger: "submit-message",
    messages: [{ id: `u-${id}`, role: "user", parts: [{ type: "text", text }] }],
  });

// The AI SDK door keeps each chat's running turn to resume it (GET /v1/ui/chat/{chatId}/stream). A chat id is the
// client's; two tenants may use the same one, and neither may ever resume the other's answer.
describe("the AI SDK door is tenant-scoped", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    // The offline model streams slowly enough ("slow:" is not needed): the resume comes while the turn runs.
    gw = gatewayFromEnv({
      AUTH_MODE: "api_key",
      API_KEYS: `acme:${KEY_ACME},globex:${KEY_GLOBEX}`,
      TURN_TIMEOUT_MS: "20000",
    });
  });
  afterAll(async () => gw.close());

  it("another tenant's resume of the same chat id finds no active stream (204)", async () => {
    const started = await gw.app.request("/v1/ui/chat", {
      method: "POST",
      headers: bearer(KEY_ACME),
      body: uiChat("shared-chat", "tell me a long story about the sea and the gulls"),
    });
    expect(started.status).toBe(200);
    const reader = started.body?.getReader();
    await reader?.read(); // the stream is open: the turn is the chat's active one
    const foreign = await gw.app.request("/v1/ui/chat/shared-chat/stream", { headers: bearer(KEY_GLOBEX) });
    expect(foreign.status).toBe(204);
    expect(await foreign.text()).toBe("");
    await reader?.cancel();
  });

  it("the door's turns count against the caller's tenant (its sessions are the caller's)", async () => {
    const a = await gw.app.request("/v1/ui/chat", {
      method: "POST",
      headers: bearer(KEY_ACME),
      body: uiChat("c-acme", "hello"),
    });
    const b = await gw.app.request("/v1/ui/chat", {
      method: "POST",
      headers: bearer(KEY_GLOBEX),
      body: uiChat("c-acme", "hello"),
    });
    expect([a.status, b.status]).toEqual([200, 200]);
    const turnA = a.headers.get("x-turn-id") ?? "";
    await a.text();
    await b.text();
    // A turn started through the door is owned by its tenant: another tenant cannot follow it by id.
    expect((await gw.app.request(`/v1/turns/${turnA}/events`, { headers: bearer(KEY_GLOBEX) })).status).toBe(404);
    expect((await gw.app.request(`/v1/turns/${turnA}/events`, { headers: bearer(KEY_ACME) })).status).toBe(200);
  });
});
