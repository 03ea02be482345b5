import { describeSessionTurnsContract } from "./__tests__/contract.js";
import { InMemorySessionTurns } from "./memory.js";

describeSessionTurnsContract("memory", () => ({
  make: async (graceMs) => {
    const shared = new InMemorySessionTurns({ graceMs });
    return [shared, shared];
  },
}));
