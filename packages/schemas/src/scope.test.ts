import { describe, expect, it } from "vitest";
import { SESSION_ID_PATTERN } from "./chat.js";
import { WIRE_TURN_JOB } from "./test/turn-job.js";
import { TurnJob } from "./turns.js";
import { scopedSessionKey, scopeId, UNSCOPED } from "./scope.js";

describe("scoped session keys", () => {
  it("leave unscoped sessions exactly as they were (AUTH_MODE=none keeps existing data)", () => {
    expect(scopedSessionKey("s1", {})).toBe("s1");
    expect(scopeId({})).toBe(UNSCOPED);
  });

  it("give each tenant (and subject) its own key, and ambiguous names never collide", () => {
    const keys = [
      scopedSessionKey("s1", { tenant: "acme" }),
      scopedSessionKey("s1", { tenant: "globex" }),
      scopedSessionKey("s1", { tenant: "acme", subject: "alice" }),
      scopedSessionKey("s1", { tenant: "acme", subject: "bob" }),
      scopedSessionKey("b:s1", { tenant: "a" }),
      scopedSessionKey("s1", { tenant: "a:b" }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(scopedSessionKey("s1", { tenant: "acme" })).toBe(scopedSessionKey("s1", { tenant: "acme" }));
  });

  it("stay within the history key alphabet and length, with braces in a claim and the longest session id", () => {
    for (const key of [
      scopedSessionKey("x".repeat(128), { tenant: "{evil}", subject: "a b\n{c}" }),
      scopedSessionKey("s", { tenant: "t" }),
    ]) {
      expect(key).toMatch(SESSION_ID_PATTERN);
    }
    expect(scopedSessionKey("x".repeat(128), { tenant: "t" })).not.toBe(
      scopedSessionKey("x".repeat(127) + "y", { tenant: "t" }),
    );
  });

  it("travel in the turn job as optional fields (old jobs still parse)", () => {
    expect(TurnJob.safeParse(WIRE_TURN_JOB).success).toBe(true);
    expect(TurnJob.parse({ ...WIRE_TURN_JOB, tenant: "acme", subject: "alice" })).toMatchObject({
      tenant: "acme",
      subject: "alice",
    });
    expect(TurnJob.safeParse({ ...WIRE_TURN_JOB, tenant: "" }).success).toBe(false);
  });
});
