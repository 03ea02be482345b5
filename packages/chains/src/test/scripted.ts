import { startScriptedOpenAI, type ScriptedOpenAI } from "@acb/testkit";
import { afterEach } from "vitest";
import type { ModelConfig } from "../model-config.js";
import { createChatModel } from "../models.js";

/** What the tests run ChatOpenAI with against the scripted server: a 5 s timeout and no retries unless overridden. */
export const modelConfig = (url: string, extra: Partial<ModelConfig> = {}): ModelConfig => ({
  provider: "openai",
  baseUrl: url,
  model: "gpt-4o-mini",
  timeoutMs: 5000,
  maxRetries: 0,
  ...extra,
});

/** ChatOpenAI against the scripted server at `url`. */
export const openai = (url: string, extra: Partial<ModelConfig> = {}) => createChatModel(modelConfig(url, extra));

/** Call at a file's top level: the returned function starts a scripted server that is closed after the test. */
export function useScriptedOpenAI(): (options?: Parameters<typeof startScriptedOpenAI>[0]) => Promise<ScriptedOpenAI> {
  let current: ScriptedOpenAI | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options) => (current = await startScriptedOpenAI(options));
}
