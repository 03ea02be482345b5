export * from "./config.js";
export { createChatModel } from "./models.js";
export {
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
export { type McpServerStatus, type McpToolboxOptions, McpToolbox, DEFAULT_MCP_REFRESH_MS } from "./mcp/toolbox.js";
export { McpToolError } from "./mcp/errors.js";
export { type AgentTurnArgs, runAgentTurn, DEFAULT_AGENT_TOOL_TIMEOUT_MS, DEFAULT_MAX_TOOL_ROUNDS } from "./agent.js";
export { type AgentJournal, type Delivered, CONTINUE_INSTRUCTION, continuationMessages, messageId } from "./resume.js";
export { ModelCallObserver, type ModelCallObserverOptions } from "./model-telemetry.js";
