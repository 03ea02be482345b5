/** The model factory: ChatOpenAI (OpenAI or any OpenAI-compatible base URL) or the built-in offline model. */
import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import { OfflineChatModel } from "./offline.js";
import {
  DEFAULT_CHAT_MODEL,
  DEFAULT_TEMPERATURE,
  OPENAI_DEFAULT_BASE_URL,
  PLACEHOLDER_API_KEY,
  present,
  type ModelConfig,
} from "./model-config.js";

/**
 * ChatOpenAI (streams via `.stream()`/stream events, streamUsage, timeout, maxRetries, configuration.baseURL) or the OfflineChatModel.
 * Per-request overrides win. Key and base URL are always passed explicitly, so the client never falls back to
 * reading the environment on its own.
 */
export function createChatModel(
  config: ModelConfig,
  overrides: { model?: string; temperature?: number; maxTokens?: number; stop?: string[]; callbacks?: Callbacks } = {},
): BaseChatModel {
  if (config.provider === "offline")
    return new OfflineChatModel(overrides.callbacks !== undefined ? { callbacks: overrides.callbacks } : {});
  const baseUrl = present(config.baseUrl) ? config.baseUrl.trim() : undefined;
  const apiKey = present(config.apiKey)
    ? config.apiKey.trim()
    : baseUrl !== undefined
      ? PLACEHOLDER_API_KEY
      : undefined;
  if (apiKey === undefined) {
    throw new Error(
      "the openai model provider needs an API key (OPENAI_API_KEY) or an OpenAI-compatible base URL (OPENAI_BASE_URL)",
    );
  }
  const model = present(overrides.model) ? overrides.model : present(config.model) ? config.model : DEFAULT_CHAT_MODEL;
  return new ChatOpenAI({
    model,
    temperature: overrides.temperature ?? config.temperature ?? DEFAULT_TEMPERATURE,
    ...(overrides.maxTokens !== undefined ? { maxTokens: overrides.maxTokens } : {}),
    ...(overrides.stop !== undefined && overrides.stop.length > 0 ? { stop: overrides.stop } : {}),
    ...(overrides.callbacks !== undefined ? { callbacks: overrides.callbacks } : {}),
    // `streaming` is deliberately left unset: `.stream()` and stream-event consumers (the chain, the agent) still get
    // real SSE streaming, while `streaming: true` would make a plain `.invoke()` estimate token counts with tiktoken
    // ranks downloaded from the internet (a hang on an air-gapped host). `streaming: false` would disable streaming.
    streamUsage: true,
    timeout: config.timeoutMs,
    maxRetries: config.maxRetries,
    apiKey,
    configuration: { baseURL: baseUrl ?? OPENAI_DEFAULT_BASE_URL, apiKey },
  });
}
