// Issue 10: the official `openai` SDK sees the gateway's refusals as its own error classes, in OpenAI's error shape
// (`{"error":{"message","type","code","param"}}`): 401 from the identity check, 429 from the limits (both answered
// before the OpenAI door's own routes run). The seed's routes keep the seed's shape for the same refusals.
import OpenAI, { AuthenticationError, NotFoundError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { json, NO_TOOL_SERVERS, startInProcessGateway, upstreamModel, useScriptedGateway } from "./harness.js";
import { KEY_ACME, KEY_GLOBEX, TWO_TENANTS } from "./tenants.js";

const MODEL = "gpt-4o-mini";
const KEY = KEY_ACME;
const OTHER = KEY_GLOBEX;
/** The OpenAI door with the two tenants' keys, the agent's MCP server out of reach. */
const DOOR = {
  CHAT_MODEL_ID: MODEL,
  ...NO_TOOL_SERVERS,
  USE_MCP_IN_CHAT: "false",
  ...TWO_TENANTS,
};

const stack = useScriptedGateway({ ...DOOR, RATE_LIMIT_TURNS_PER_MINUTE: "1" });
/** maxRetries 0: the SDK would otherwise honour Retry-After and retry a 429 by itself (here a minute later). */
const sdk = (apiKey: string): OpenAI => new OpenAI({ baseURL: `${stack.gw.url}/v1`, apiKey, maxRetries: 0 });

/** OpenAI's error object, as the gateway answers it: no `param` is ever named. */
const openAIError = (message: string, type: string, code: string) => ({ message, type, code, param: null });

/** The SDK's error, or a failure if the call succeeded. */
async function refusal(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error("the call succeeded");
}

describe("401 through the openai SDK", () => {
  it("a wrong key on chat.completions.create is an AuthenticationError in OpenAI's shape", async () => {
    const err = await refusal(
      sdk("sk-wrong-0123456789abcdef").chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(err).toBeInstanceOf(AuthenticationError);
    const e = err as AuthenticationError;
    expect(e.status).toBe(401);
    expect(e.error).toEqual(openAIError("invalid credentials", "authentication_error", "unauthorized"));
    expect(e.headers.get("www-authenticate")).toBe('Bearer realm="chat-gateway", error="invalid_token"');
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it("a wrong key on models.list is an AuthenticationError too", async () => {
    const err = await refusal(sdk("sk-wrong-0123456789abcdef").models.list());
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).error).toMatchObject({
      type: "authentication_error",
      code: "unauthorized",
      param: null,
    });
  });

  it("no credential at all: the raw body is exactly OpenAI's shape (stream or not)", async () => {
    for (const stream of [false, true]) {
      const res = await fetch(
        `${stack.gw.url}/v1/chat/completions`,
        json({ model: MODEL, stream, messages: [{ role: "user", content: "hi" }] }),
      );
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        error: openAIError("authentication required", "authentication_error", "unauthorized"),
      });
    }
    const models = await fetch(`${stack.gw.url}/v1/models`);
    expect(await models.json()).toEqual({
      error: openAIError("authentication required", "authentication_error", "unauthorized"),
    });
  });

  it("a route the door does not have (models.retrieve) is a NotFoundError in OpenAI's shape", async () => {
    const err = await refusal(sdk(KEY).models.retrieve(MODEL));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).error).toEqual(openAIError("no such route", "not_found_error", "not_found"));
  });

  it("the seed's routes keep the seed's shape", async () => {
    const res = await fetch(
      `${stack.gw.url}/v1/chat`,
      json({ session_id: "s", input: "hi" }, { authorization: "Bearer sk-wrong-0123456789abcdef" }),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "invalid credentials" } });
  });
});

describe("429 through the openai SDK (RATE_LIMIT_TURNS_PER_MINUTE=1)", () => {
  it("the second request in a minute is a RateLimitError in OpenAI's shape, with Retry-After, and is not retried", async () => {
    const client = sdk(KEY);
    const first = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "first" }],
    });
    expect(first.choices[0]?.message.content).toBe("echo: first");
    const seen = stack.upstream.requests.length;
    for (const stream of [false, true] as const) {
      const started = Date.now();
      const err = await refusal(
        client.chat.completions.create({ model: MODEL, stream, messages: [{ role: "user", content: "second" }] }),
      );
      expect(err).toBeInstanceOf(RateLimitError);
      const e = err as RateLimitError;
      expect(e.status).toBe(429);
      expect(e.error).toEqual(openAIError("rate limit reached: turns per minute", "rate_limit_error", "rate_limited"));
      const retryAfter = Number(e.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(e.headers.get("ratelimit-policy")).toBe('"turns";q=1;w=60');
      // Answered at once: no retry after Retry-After seconds.
      expect(Date.now() - started).toBeLessThan(retryAfter * 1000);
    }
    expect(stack.upstream.requests.length).toBe(seen);
    // Another tenant still gets its answer.
    const other = await sdk(OTHER).chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "other" }],
    });
    expect(other.choices[0]?.message.content).toBe("echo: other");
  });

  it("the seed's routes answer the same limit in the seed's shape", async () => {
    const res = await fetch(
      `${stack.gw.url}/v1/chat`,
      json({ session_id: "s", input: "hi" }, { authorization: `Bearer ${KEY}` }),
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(await res.json()).toEqual({
      error: { code: "rate_limited", message: "rate limit reached: turns per minute" },
    });
  });
});

describe("the OpenAI door's turns belong to the caller's tenant", () => {
  it("X-Session-Id is a session of the caller's tenant: another tenant naming it sees none of its history", async () => {
    // Fresh gateway: the limit above is spent. No limit here.
    const own = await startInProcessGateway({ ...upstreamModel(stack.upstream), ...DOOR });
    try {
      const client = (apiKey: string) =>
        new OpenAI({
          baseURL: `${own.url}/v1`,
          apiKey,
          maxRetries: 0,
          defaultHeaders: { "x-session-id": "shared-name" },
        });
      await client(KEY).chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "acme secret 42" }],
      });
      await client(OTHER).chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "what did I say?" }],
      });
      const sent = stack.upstream.requests.at(-1)?.body.messages.map((m) => String(m.content)) ?? [];
      expect(sent.some((m) => m.includes("what did I say?"))).toBe(true);
      expect(sent.some((m) => m.includes("acme secret 42"))).toBe(false);
    } finally {
      await own.stop();
    }
  });
});
