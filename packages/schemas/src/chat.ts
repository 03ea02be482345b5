import { z } from "zod";

/** Session ids are used in Redis keys and logs, so they are kept to a safe, bounded alphabet. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_INPUT_CHARS = 32_000;

export const SessionId = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(128, { error: "must be at most 128 characters" })
  .regex(SESSION_ID_PATTERN, { error: "may only contain letters, digits, '.', '_', ':' and '-'" });

export const UserInput = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(MAX_INPUT_CHARS, { error: `must be at most ${MAX_INPUT_CHARS} characters` });

/** Model names go to the upstream as-is; keep them printable and short. */
export const ModelName = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(128, { error: "must be at most 128 characters" })
  .regex(/^[A-Za-z0-9._:/@+-]+$/, { error: "contains characters not allowed in a model name" });

export const Temperature = z
  .number({ error: "must be a number" })
  .min(0, { error: "must be between 0 and 2" })
  .max(2, { error: "must be between 0 and 2" });

/** The seed's ChatRequest, kept exactly: POST /v1/chat and /v1/chat/stream. */
export const ChatRequest = z.strictObject({
  session_id: SessionId,
  input: UserInput,
  stream: z.boolean({ error: "must be a boolean" }).optional().default(false),
  model: ModelName.nullish(),
  temperature: Temperature.nullish(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/** POST /v1/agent/chat/stream: the seed takes `input` and an optional session id (one is generated). */
export const AgentChatRequest = z.strictObject({
  input: UserInput,
  session_id: SessionId.nullish(),
  model: ModelName.nullish(),
  temperature: Temperature.nullish(),
});
export type AgentChatRequest = z.infer<typeof AgentChatRequest>;

/** One client message on WS /ws/chat. */
export const WsChatMessage = z.strictObject({
  session_id: SessionId,
  input: UserInput,
  model: ModelName.nullish(),
  temperature: Temperature.nullish(),
});
export type WsChatMessage = z.infer<typeof WsChatMessage>;
