import { InMemoryChatHistoryStore } from "@acb/history";
import { scopedSessionKey, type TurnJob } from "@acb/schemas";
import { InMemoryTurnEventLog, newTurnId, processTurn } from "@acb/turns";
import { describe, expect, it } from "vitest";
import { createTurnExecutor } from "./executor.js";

const offline = { provider: "offline" as const, model: "x", timeoutMs: 5_000, maxRetries: 0 };
const job = (over: Partial<TurnJob>): TurnJob => ({
  v: 1,
  turn_id: newTurnId(),
  session_id: "shared-name",
  mode: "chat",
  input: "hello",
  options: {},
  enqueued_at: Date.now(),
  deadline_at: Date.now() + 20_000,
  ...over,
});

describe("the executor scopes history by the job's tenant", () => {
  it("two tenants with the same session_id have two conversations; unscoped jobs keep the bare key", async () => {
    const history = new InMemoryChatHistoryStore();
    const execute = createTurnExecutor({ history, model: offline, useToolsInChat: false });
    const eventLog = new InMemoryTurnEventLog();
    const run = (j: TurnJob) => processTurn(j, { eventLog, execute });
    await run(job({ tenant: "acme", input: "my secret is the red door" }));
    await run(job({ tenant: "globex", input: "hello from globex" }));
    await run(job({ input: "unscoped" }));

    const acme = await history.getMessages(scopedSessionKey("shared-name", { tenant: "acme" }));
    const globex = await history.getMessages(scopedSessionKey("shared-name", { tenant: "globex" }));
    expect(acme.map((m) => m.content)[0]).toBe("my secret is the red door");
    expect(globex.map((m) => m.content)[0]).toBe("hello from globex");
    expect(JSON.stringify(globex.map((m) => m.content))).not.toContain("red door");
    expect((await history.getMessages("shared-name")).map((m) => m.content)[0]).toBe("unscoped");
  });
});
