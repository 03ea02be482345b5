import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envUrl, parseEnv } from "./config.js";
import { isSecretName, redactUrl, shownValue } from "./secrets.js";

describe("redactUrl", () => {
  it.each([
    ["redis://:hunter2@cache:6379/0", "redis://cache:6379/0"],
    ["rediss://default:hunter2@cache.example.com:6380", "rediss://cache.example.com:6380"],
    ["https://user:pw@api.example.com/v1?api_key=sk-1&x=2#frag", "https://api.example.com/v1"],
    ["http://localhost:11434/v1", "http://localhost:11434/v1"],
  ])("%s -> %s", (raw, shown) => {
    expect(redactUrl(raw)).toBe(shown);
  });
  it("an unparsable URL is not echoed at all", () => {
    expect(redactUrl("redis://:hunter2@cache:99999")).not.toContain("hunter2");
  });
});

describe("shownValue", () => {
  it("never shows a value of a secret-named variable", () => {
    for (const name of ["OPENAI_API_KEY", "MCP_AUTH_TOKEN", "DB_PASSWORD", "CLIENT_SECRET", "AWS_CREDENTIALS"]) {
      expect(isSecretName(name)).toBe(true);
      expect(shownValue(name, "sk-live-123")).toBeUndefined();
    }
  });
  it("shows URLs without userinfo or query, and plain values quoted and cut", () => {
    expect(shownValue("REDIS_URL", "http://u:pw@h:1/?password=x")).toBe('"http://h:1/"');
    expect(shownValue("PORT", "eighty")).toBe('"eighty"');
    expect(shownValue("HOST", "x".repeat(100))?.length).toBeLessThan(70);
    expect(shownValue("SOME_DSN", "user:pw@host")).toBeUndefined();
  });
});

describe("parseEnv never echoes a secret", () => {
  const schema = z.object({
    REDIS_URL: envUrl(/^rediss?:$/),
    OPENAI_BASE_URL: envUrl(/^https?:$/),
    OPENAI_API_KEY: z.string().min(10).optional(),
  });
  it.each([
    [
      { REDIS_URL: "http://admin:r3d1s-pw@cache:6379/0?password=qs-r3d1s" },
      "REDIS_URL",
      ["r3d1s-pw", "qs-r3d1s", "admin"],
    ],
    [{ REDIS_URL: "redis://:r3d1s-pw@cache:99999" }, "REDIS_URL", ["r3d1s-pw"]],
    [{ OPENAI_BASE_URL: "ftp://u:b4se-pw@llm.example/v1?key=qs-b4se" }, "OPENAI_BASE_URL", ["b4se-pw", "qs-b4se"]],
    [{ OPENAI_API_KEY: "sk-short" }, "OPENAI_API_KEY", ["sk-short"]],
  ])("%j", (env, name, secrets) => {
    const r = parseEnv(schema, env);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain(name);
    for (const s of secrets) expect(r.message).not.toContain(s);
  });
});
