import { freePort } from "@acb/testkit";
import { describe, expect, it } from "vitest";
import { runChatTurn } from "./chat.js";
import { ModelError, toModelError } from "./errors.js";
import { createChatModel } from "./models.js";

describe("toModelError", () => {
  it("classifies by abort signal, timeout, status and connection failure", () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(toModelError(new Error("whatever"), aborted.signal).kind).toBe("aborted");

    const timeout = Object.assign(new Error("Request timed out."), { name: "TimeoutError" });
    expect(toModelError(timeout, new AbortController().signal, { timeoutMs: 30000 })).toMatchObject({
      kind: "timeout",
      publicMessage: "the model did not answer within 30 s",
    });
    expect(toModelError(timeout).publicMessage).toBe("the model did not answer in time");

    expect(
      toModelError(Object.assign(new Error("401 Incorrect API key provided: sk-abc"), { status: 401 })),
    ).toMatchObject({
      kind: "upstream",
      status: 401,
      publicMessage: "the model provider returned HTTP 401 (check the API key)",
    });
    expect(toModelError(Object.assign(new Error("429"), { status: 429 })).kind).toBe("rate_limited");
    expect(toModelError(new Error("outer", { cause: Object.assign(new Error("inner"), { status: 503 }) })).status).toBe(
      503,
    );

    const refused = Object.assign(new Error("connect ECONNREFUSED 10.1.2.3:443 https://api.example.com/v1"), {
      code: "ECONNREFUSED",
    });
    const err = toModelError(refused);
    expect(err).toMatchObject({ kind: "upstream", publicMessage: "the connection to the model provider failed" });
    expect(err.cause).toBe(refused);

    const unknown = toModelError("/home/user/secret.txt exploded");
    expect(unknown.publicMessage).toBe("the model failed to answer");
    expect(unknown.message).toBe(unknown.publicMessage);

    const same = new ModelError({ kind: "timeout", publicMessage: "x" });
    expect(toModelError(same)).toBe(same);
  });

  it("a closed port behind ChatOpenAI becomes a safe upstream error", async () => {
    const port = await freePort();
    const model = createChatModel({
      provider: "openai",
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: "m",
      timeoutMs: 2000,
      maxRetries: 0,
    });
    const err = await runChatTurn({
      model,
      history: [],
      input: "hi",
      signal: new AbortController().signal,
      emit: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    const modelError = err as ModelError;
    expect(modelError.kind).toBe("upstream");
    expect(modelError.publicMessage).toBe("the connection to the model provider failed");
    expect(modelError.publicMessage).not.toContain(String(port));
  });
});
