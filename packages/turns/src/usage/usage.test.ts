import { freshPrefix, usePrivateRedis } from "../__tests__/redis.js";
import { describeUsageMeterContract } from "./__tests__/contract.js";
import { InMemoryUsageMeter } from "./memory.js";
import { RedisUsageMeter } from "./redis.js";

const { connect } = usePrivateRedis();

describeUsageMeterContract("memory", async () => new InMemoryUsageMeter());
describeUsageMeterContract("redis", async () => new RedisUsageMeter(connect(), freshPrefix("u")));
