/**
 * `@acb/chains/config`: the configuration surface alone (model and MCP settings, their env parsing and names), with
 * no LangChain, model client or MCP SDK behind it. The gateway in distributed mode parses these settings but never
 * runs a turn, so it imports this entry and its start-up does not load the engine (the runners do).
 */
export {
  type ModelProvider,
  type ModelConfig,
  type ModelEnvValues,
  resolveProvider,
  modelConfigFromEnv,
  DEFAULT_CHAT_MODEL,
  DEFAULT_TEMPERATURE,
  OPENAI_DEFAULT_BASE_URL,
  PLACEHOLDER_API_KEY,
  OFFLINE_MODEL_NAME,
} from "./model-config.js";
export {
  type McpServerConfig,
  type McpEnv,
  type McpServersResult,
  McpServersSchema,
  mcpServersFromEnv,
  DEFAULT_MCP_SERVER_URL,
  DEFAULT_MCP_SERVER_NAME,
} from "./mcp/config.js";
