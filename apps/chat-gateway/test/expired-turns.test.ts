import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayFromEnv, json, type InProcessGateway } from "./harness.js";

// A turn's owner record outlives its events (it must cover a turn still queued), so "owned but no event" is either
// a turn still to come or one whose events expired. The second must be a 404 / 204, never a stream that waits for ever.
describe("a turn whose events expired", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({ TURN_EVENTS_RETENTION_MS: "1000" });
  });
  afterAll(async () => gw.close());

  it("GET /v1/turns/{id}/events answers 404 once the events are gone (from the start, as after a resume point)", async () => {
    const res = await gw.app.request("/v1/chat/stream", json({ session_id: "expiring", input: "hello" }));
    const turnId = res.headers.get("x-turn-id") ?? "";
    await res.text(); // the whole answer, through done
    await new Promise((r) => setTimeout(r, 1_500));
    const again = await gw.app.request(`/v1/turns/${turnId}/events`, { signal: AbortSignal.timeout(5_000) });
    expect(again.status).toBe(404);
  });

  it("the AI SDK door's resume answers 204 once its chat's turn has expired", async () => {
    const body = {
      id: "expiring-chat",
      trigger: "submit-message",
      messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "hi" }] }],
    };
    const res = await gw.app.request("/v1/ui/chat", json(body));
    await res.text();
    await new Promise((r) => setTimeout(r, 1_500));
    const resumed = await gw.app.request("/v1/ui/chat/expiring-chat/stream", { signal: AbortSignal.timeout(5_000) });
    expect(resumed.status).toBe(204);
  });
});
