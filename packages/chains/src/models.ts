/** The model factory: ChatOpenAI (OpenAI or any OpenAI-compatible base URL) or the built-in offline model. */
import { DEFAULT_CHAT_MODEL } from "@acb/schemas";
import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import { OfflineChatModel } from "./offline.js";

export type ModelProvider = "openai" | "offline";

export interface ModelConfig {
  provider: ModelProvider;
  /** OPENAI_API_KEY */
  apiKey?: string;
  /** OPENAI_BASE_URL, for every OpenAI-compatible server (Ollama, vLLM, LM Studio). */
  baseUrl?: string;
  /** CHAT_MODEL_ID, default "gpt-4o-mini". */
  model: string;
  /** Default 0.2 as in the seed. */
  temperature?: number;
  /** Per upstream request. */
  timeoutMs: number;
  /** Bounded retries (e.g. 2). */
  maxRetries: number;
}

export { DEFAULT_CHAT_MODEL };
export const DEFAULT_TEMPERATURE = 0.2;
export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
/** Sent as the key to servers that need none (local OpenAI-compatible servers ignore it). */
export const PLACEHOLDER_API_KEY = "not-needed";

const present = (s: string | undefined): s is string => s !== undefined && s.trim() !== "";

/** MODEL_PROVIDER when set; else openai when a key or a base URL is set; else offline. */
export function resolveProvider(
  explicit: ModelProvider | undefined,
  apiKey: string | undefined,
  baseUrl: string | undefined,
): ModelProvider {
  if (explicit !== undefined) return explicit;
  return present(apiKey) || present(baseUrl) ? "openai" : "offline";
}

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

/** The model settings as parsed from env by `ModelEnv` (@acb/schemas), shared by every app that runs turns. */
export interface ModelEnvValues {
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
  CHAT_MODEL_ID: string;
  MODEL_PROVIDER?: ModelProvider | undefined;
  MODEL_TEMPERATURE?: number | undefined;
  MODEL_TIMEOUT_MS: number;
  MODEL_MAX_RETRIES: number;
}

export function modelConfigFromEnv(e: ModelEnvValues): ModelConfig {
  return {
    provider: resolveProvider(e.MODEL_PROVIDER, e.OPENAI_API_KEY, e.OPENAI_BASE_URL),
    ...(e.OPENAI_API_KEY !== undefined ? { apiKey: e.OPENAI_API_KEY } : {}),
    ...(e.OPENAI_BASE_URL !== undefined ? { baseUrl: e.OPENAI_BASE_URL } : {}),
    model: e.CHAT_MODEL_ID,
    ...(e.MODEL_TEMPERATURE !== undefined ? { temperature: e.MODEL_TEMPERATURE } : {}),
    timeoutMs: e.MODEL_TIMEOUT_MS,
    maxRetries: e.MODEL_MAX_RETRIES,
  };
}
