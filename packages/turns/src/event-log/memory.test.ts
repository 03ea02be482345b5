import { describeEventLogContract } from "./__tests__/contract.js";
import { InMemoryTurnEventLog } from "./memory.js";

describeEventLogContract("memory", () => ({
  make: async (options) => new InMemoryTurnEventLog(options),
  teardown: async () => undefined,
}));
