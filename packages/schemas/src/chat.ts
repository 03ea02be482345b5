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

/**
 * What happens when a turn arrives for a session that already has one running (double-texting):
 * `enqueue` runs it after the running one; `reject` answers 409 naming the running turn; `interrupt`
 * cancels the running turn (its partial answer stays in history) and runs this one next; `rollback`
 * cancels it and keeps nothing of it in history.
 */
export const MultitaskStrategy = z.enum(["enqueue", "reject", "interrupt", "rollback"], {
  error: "must be one of enqueue, reject, interrupt, rollback",
});
export type MultitaskStrategy = z.infer<typeof MultitaskStrategy>;

/** Turn control fields accepted next to the seed's fields on every turn-starting request. */
export const TurnControlFields = {
  multitask_strategy: MultitaskStrategy.nullish(),
  /** true: cancel the turn when its last follower (SSE stream, WebSocket) goes away; default: it finishes and can be resumed. */
  cancel_on_disconnect: z.boolean({ error: "must be a boolean" }).nullish(),
};

/** The model choice and turn control every chat request carries after its session and input. */
const TurnOptionFields = {
  model: ModelName.nullish(),
  temperature: Temperature.nullish(),
  ...TurnControlFields,
};

/** The seed's ChatRequest, kept exactly (plus the optional turn control fields): POST /v1/chat and /v1/chat/stream. */
export const ChatRequest = z.strictObject({
  session_id: SessionId,
  input: UserInput,
  stream: z.boolean({ error: "must be a boolean" }).optional().default(false),
  ...TurnOptionFields,
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/** POST /v1/agent/chat/stream: the seed takes `input` and an optional session id (one is generated). */
export const AgentChatRequest = z.strictObject({
  input: UserInput,
  session_id: SessionId.nullish(),
  ...TurnOptionFields,
});
export type AgentChatRequest = z.infer<typeof AgentChatRequest>;

/** One client message on WS /ws/chat. */
export const WsChatMessage = z.strictObject({
  session_id: SessionId,
  input: UserInput,
  ...TurnOptionFields,
});
export type WsChatMessage = z.infer<typeof WsChatMessage>;

/** WS /ws/chat: `{"type":"cancel","turn_id"}` cancels one of this caller's turns (the socket's own or any other it owns). */
export const WsCancelMessage = z.strictObject({
  type: z.literal("cancel"),
  turn_id: z.string({ error: "must be a string" }).regex(/^[A-Za-z0-9_-]{8,64}$/, { error: "is not a valid turn id" }),
});
export type WsCancelMessage = z.infer<typeof WsCancelMessage>;
