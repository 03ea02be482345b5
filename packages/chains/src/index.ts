export {
  type ModelProvider,
  type ModelConfig,
  resolveProvider,
  createChatModel,
  DEFAULT_CHAT_MODEL,
  DEFAULT_TEMPERATURE,
  OPENAI_DEFAULT_BASE_URL,
  PLACEHOLDER_API_KEY,
} from "./models.js";
export {
  OFFLINE_MODEL_NAME,
  OFFLINE_MARKER,
  OfflineChatModel,
  type OfflineChatModelCallOptions,
  type OfflineChatModelFields,
  type OfflineReply,
  offlineReply,
  detectFileIntent,
  splitIntoWords,
} from "./offline.js";
export {
  SYSTEM_PROMPT,
  buildChatChain,
  type ChatChainInput,
  type EmitTurnEvent,
  type ChatTurnArgs,
  runChatTurn,
} from "./chat.js";
export { type ModelErrorKind, type ModelErrorInit, type ToModelErrorContext, ModelError, toModelError } from "./errors.js";
