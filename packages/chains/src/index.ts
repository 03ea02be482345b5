export {
  type ModelProvider,
  type ModelConfig,
  resolveProvider,
  createChatModel,
  DEFAULT_CHAT_MODEL,
  DEFAULT_TEMPERATURE,
  OPENAI_DEFAULT_BASE_URL,
  PLACEHOLDER_API_KEY,
  type ModelEnvValues,
  modelConfigFromEnv,
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
export { detectDocsIntent, type DocsIntent } from "./offline-docs.js";
export {
  SYSTEM_PROMPT,
  buildChatChain,
  type ChatChainInput,
  type EmitTurnEvent,
  type ChatTurnArgs,
  runChatTurn,
} from "./chat.js";
export {
  type ModelErrorKind,
  type ModelErrorInit,
  type ToModelErrorContext,
  ModelError,
  toModelError,
} from "./errors.js";
export {
  type McpServerConfig,
  type McpEnv,
  type McpServersResult,
  type McpServerStatus,
  type McpToolboxOptions,
  McpServersSchema,
  mcpServersFromEnv,
  McpToolbox,
  McpToolError,
  DEFAULT_MCP_SERVER_URL,
  DEFAULT_MCP_SERVER_NAME,
  DEFAULT_MCP_REFRESH_MS,
} from "./mcp/index.js";
export { type AgentTurnArgs, runAgentTurn, DEFAULT_AGENT_TOOL_TIMEOUT_MS, DEFAULT_MAX_TOOL_ROUNDS } from "./agent.js";
export { type AgentJournal, type Delivered, CONTINUE_INSTRUCTION, continuationMessages, messageId } from "./resume.js";
export { ModelCallObserver, type ModelCallObserverOptions } from "./model-telemetry.js";
