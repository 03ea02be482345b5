import { describeCancellerContract } from "./__tests__/contract.js";
import { InMemoryTurnCanceller } from "./memory.js";

describeCancellerContract("memory", () => ({
  make: async () => {
    const shared = new InMemoryTurnCanceller();
    return [shared, shared];
  },
}));
