import { TurnCancelledError, type TurnContext } from "@acb/turns";
import { AIMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { interruptedTurn, SeenText } from "./interrupted.js";

describe("SeenText and the interrupted answer", () => {
  it("after a takeover, the partial answer starts with what clients had from the runner that died", async () => {
    const abort = new AbortController();
    const emitted: string[] = [];
    const ctx: TurnContext = {
      signal: abort.signal,
      emit: async (event) => void (event.event === "token" && emitted.push(event.data)),
      takeover: { text: "Once upon ", startedCalls: new Set(), endedCalls: new Set() },
    };
    const seen = new SeenText(ctx);
    await seen.emit({ event: "token", data: "a time" });
    abort.abort(new TurnCancelledError("interrupt"));
    await seen.emit({ event: "token", data: " (dropped after the cancel)" });
    expect(emitted).toEqual(["a time", " (dropped after the cancel)"]);
    const messages = interruptedTurn("tell a story", seen.text, abort.signal);
    const answer = messages?.[1];
    expect(answer).toBeInstanceOf(AIMessage);
    expect(answer?.content).toBe("Once upon a time");
    expect(answer?.additional_kwargs).toEqual({ interrupted: true });
  });
});
