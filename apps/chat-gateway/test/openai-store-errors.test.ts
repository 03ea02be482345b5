// The OpenAI routes have their own error handler (OpenAI's error shape); what it does not answer itself goes to the
// gateway's shared one. Composed as app.ts composes them: openAIErrorShape in front, the route group's onError.
import { silentLogger } from "@acb/logger";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { errorHandler } from "../src/http/errors.js";
import { openAIErrorHandler, openAIErrorShape } from "../src/openai/errors.js";

function appThrowing(err: Error): Hono {
  const app = new Hono();
  app.onError(errorHandler(silentLogger));
  app.use("/v1/chat/completions", openAIErrorShape());
  const door = new Hono();
  door.onError(openAIErrorHandler(silentLogger));
  door.post("/chat/completions", () => {
    throw err;
  });
  app.route("/v1", door);
  return app;
}

describe("OpenAI routes: errors they do not answer themselves", () => {
  it("a store that drops mid-request is a 503 with Retry-After, in OpenAI's shape", async () => {
    // what ioredis throws with the offline queue off while the connection is down
    const res = await appThrowing(new Error("Connection is closed.")).request("/v1/chat/completions", {
      method: "POST",
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    const body = (await res.json()) as { error: { code: string; type: string } };
    expect(body.error.code).toBe("not_ready");
    expect(typeof body.error.type).toBe("string");
  });

  it("anything else is a 500 that names no internals", async () => {
    const res = await appThrowing(new TypeError("secret /home/x/file.ts:12")).request("/v1/chat/completions", {
      method: "POST",
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret");
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe("internal");
  });
});
