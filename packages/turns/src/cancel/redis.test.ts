import { usePrivateRedis } from "../__tests__/redis.js";
import { describeCancellerContract } from "./__tests__/contract.js";
import { RedisTurnCanceller } from "./redis.js";

const { connect } = usePrivateRedis();

describeCancellerContract("redis", () => ({
  make: async () => [new RedisTurnCanceller(connect(), "c:"), new RedisTurnCanceller(connect(), "c:")],
}));
