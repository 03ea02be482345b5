/**
 * The model settings and their parsing from env: plain data, no LangChain. A process that only reads the config
 * (the gateway in distributed mode) imports this through `@acb/chains/config` and never loads the model clients.
 */
import { DEFAULT_CHAT_MODEL } from "@acb/schemas";

/** The offline demo model's name, as `/v1/models` lists it and its answers report. */
export const OFFLINE_MODEL_NAME = "offline-demo";

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

/** A setting that is set and not blank. */
export const present = (s: string | undefined): s is string => s !== undefined && s.trim() !== "";

/** MODEL_PROVIDER when set; else openai when a key or a base URL is set; else offline. */
export function resolveProvider(
  explicit: ModelProvider | undefined,
  apiKey: string | undefined,
  baseUrl: string | undefined,
): ModelProvider {
  if (explicit !== undefined) return explicit;
  return present(apiKey) || present(baseUrl) ? "openai" : "offline";
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
