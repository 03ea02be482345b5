import { describeJournalContract } from "./__tests__/contract.js";
import { InMemoryTurnJournal } from "./memory.js";

describeJournalContract("memory", () => {
  const shared = new InMemoryTurnJournal();
  return [shared, shared];
});
