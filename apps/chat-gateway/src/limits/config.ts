import { envInt, envString, type ParsedEnv } from "@acb/schemas";
import type { LimitPolicy } from "@acb/turns";
import { z } from "zod";

const optionalCount = (max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce
      .number({ error: `must be an integer between 1 and ${max}` })
      .int({ error: `must be an integer between 1 and ${max}` })
      .min(1, { error: `must be an integer between 1 and ${max}` })
      .max(max, { error: `must be an integer between 1 and ${max}` })
      .optional(),
  );

/** The env of the limits (spread into the gateway's env schema). Unset = unlimited, except the WS backlog. */
export const LimitsEnv = z.object({
  RATE_LIMIT_TURNS_PER_MINUTE: optionalCount(1_000_000),
  RATE_LIMIT_INPUT_CHARS_PER_MINUTE: optionalCount(1_000_000_000),
  MAX_CONCURRENT_TURNS_PER_TENANT: optionalCount(1_000_000),
  MAX_QUEUED_TURNS: optionalCount(10_000_000),
  WS_MAX_BACKLOG: envInt(8, 0, 1_000),
  ALLOWED_MODELS: envString(),
});
export type LimitsEnv = z.infer<typeof LimitsEnv>;

export interface LimitsConfig {
  /** Per tenant, or per API key when the key has `limits` of its own. */
  readonly policy: LimitPolicy;
  /** Turns waiting for a runner (all tenants); beyond it 503. Undefined = unbounded. */
  readonly maxQueuedTurns: number | undefined;
  /** Messages a WebSocket may queue behind its running turn. */
  readonly wsMaxBacklog: number;
  /** Models a request may name in `model`; "*" = any. */
  readonly allowedModels: "*" | readonly string[];
}

/**
 * ALLOWED_MODELS defaults to the configured CHAT_MODEL_ID alone: someone exposing the gateway pays for what
 * clients ask for, so naming another model is opt-in (`ALLOWED_MODELS=*` restores the seed's free choice).
 */
export function limitsConfigFromEnv(e: LimitsEnv, chatModelId: string): ParsedEnv<LimitsConfig> {
  const models =
    e.ALLOWED_MODELS === undefined
      ? [chatModelId]
      : e.ALLOWED_MODELS.split(",")
          .map((m) => m.trim())
          .filter((m) => m !== "");
  if (models.length === 0)
    return { ok: false, message: "invalid configuration: ALLOWED_MODELS must list at least one model, or be *" };
  return {
    ok: true,
    value: {
      policy: {
        ...(e.RATE_LIMIT_TURNS_PER_MINUTE !== undefined ? { turnsPerMinute: e.RATE_LIMIT_TURNS_PER_MINUTE } : {}),
        ...(e.RATE_LIMIT_INPUT_CHARS_PER_MINUTE !== undefined
          ? { inputCharsPerMinute: e.RATE_LIMIT_INPUT_CHARS_PER_MINUTE }
          : {}),
        ...(e.MAX_CONCURRENT_TURNS_PER_TENANT !== undefined
          ? { maxConcurrent: e.MAX_CONCURRENT_TURNS_PER_TENANT }
          : {}),
      },
      maxQueuedTurns: e.MAX_QUEUED_TURNS,
      wsMaxBacklog: e.WS_MAX_BACKLOG,
      allowedModels: models.includes("*") ? "*" : models,
    },
  };
}
