export {
  DEFAULT_HISTORY_OPTIONS,
  resolveHistoryOptions,
  validateSessionId,
  validateTurnId,
  type HistoryOptions,
} from "./options.js";
export { InvalidHistoryKeyError } from "./errors.js";
export type { ChatHistoryStore, CommitOptions } from "./store.js";
export { InMemoryChatHistoryStore } from "./memory.js";
export { RedisChatHistoryStore } from "./redis.js";
export { SessionChatMessageHistory } from "./session-history.js";
