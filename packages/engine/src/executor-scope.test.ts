import { InMemoryChatHistoryStore } from "@acb/history";
import { scopedSessionKey, type TurnJob } from "@acb/schemas";
import { turnJob } from "@acb/testkit";
import { describe, expect, it } from "vitest";
import { offlineExecutor, runTurn } from "./test/run.js";

/** Every job of this test names the same session. */
const job = (over: Partial<TurnJob>): TurnJob => turnJob({ session_id: "shared-name", ...over });

describe("the executor scopes history by the job's tenant", () => {
  it("two tenants with the same session_id have two conversations; unscoped jobs keep the bare key", async () => {
    const history = new InMemoryChatHistoryStore();
    const execute = offlineExecutor(history);
    await runTurn(execute, job({ tenant: "acme", input: "my secret is the red door" }));
    await runTurn(execute, job({ tenant: "globex", input: "hello from globex" }));
    await runTurn(execute, job({ input: "unscoped" }));

    const acme = await history.getMessages(scopedSessionKey("shared-name", { tenant: "acme" }));
    const globex = await history.getMessages(scopedSessionKey("shared-name", { tenant: "globex" }));
    expect(acme.map((m) => m.content)[0]).toBe("my secret is the red door");
    expect(globex.map((m) => m.content)[0]).toBe("hello from globex");
    expect(JSON.stringify(globex.map((m) => m.content))).not.toContain("red door");
    expect((await history.getMessages("shared-name")).map((m) => m.content)[0]).toBe("unscoped");
  });
});
