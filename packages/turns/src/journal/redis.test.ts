import { expect, it } from "vitest";
import { usePrivateRedis } from "../__tests__/redis.js";
import { describeJournalContract } from "./__tests__/contract.js";
import { RedisTurnJournal } from "./redis.js";

const { connect } = usePrivateRedis();

describeJournalContract("redis", () => [new RedisTurnJournal(connect(), "j:"), new RedisTurnJournal(connect(), "j:")]);

it("the journal shares its turn's hash tag (one Cluster slot) and expires", async () => {
  const redis = connect();
  const journal = new RedisTurnJournal(redis, "j:", 60_000);
  await journal.record("t1", "m:0", "x");
  expect(journal.key("t1")).toBe("j:turn:{t1}:journal");
  const ttl = await redis.pttl(journal.key("t1"));
  expect(ttl).toBeGreaterThan(50_000);
  expect(ttl).toBeLessThanOrEqual(60_000);
});
