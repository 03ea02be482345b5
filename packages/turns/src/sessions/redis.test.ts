import { expect, it } from "vitest";
import { usePrivateRedis } from "../__tests__/redis.js";
import { describeSessionTurnsContract } from "./__tests__/contract.js";
import { RedisSessionTurns, sessionTurnKeys } from "./redis.js";

const { connect } = usePrivateRedis();

describeSessionTurnsContract("redis", () => ({
  make: async (graceMs) => [
    new RedisSessionTurns(connect(), "st:", { graceMs }),
    new RedisSessionTurns(connect(), "st:", { graceMs }),
  ],
}));

it("redis: a session's keys share one hash tag (one Cluster slot for the scripts)", () => {
  const keys = sessionTurnKeys("acb:", "t.abc:my-session");
  expect(keys).toEqual({
    active: "acb:session:{t.abc:my-session}:active",
    waiting: "acb:session:{t.abc:my-session}:waiting",
  });
});
