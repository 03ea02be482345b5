import { z } from "zod";
import { ModelName, SessionId, Temperature, UserInput } from "./chat.js";
import { Subject, Tenant } from "./scope.js";
import { Conversation } from "./conversation.js";
import { HISTORY_MAX_BYTES_LIMIT } from "./defaults.js";

export const TURN_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const TurnId = z.string().regex(TURN_ID_PATTERN, { error: "is not a valid turn id" });

/** `chat` runs the LCEL chain (or the agent when MCP tools are on in chat); `agent` always runs the agent. */
export const TurnMode = z.enum(["chat", "agent"]);
export type TurnMode = z.infer<typeof TurnMode>;

export const TurnOptions = z.object({
  model: ModelName.optional(),
  temperature: Temperature.optional(),
  /** Upper bound on the answer's tokens (OpenAI `max_tokens` / `max_completion_tokens`); the offline model ignores it. */
  max_tokens: z.number().int().positive().optional(),
  /** Stop sequences (OpenAI `stop`, at most 4); the offline model ignores them. */
  stop: z.array(z.string().min(1).max(256)).max(4).optional(),
  /** false: the plain chain even when USE_MCP_IN_CHAT would use the agent (the OpenAI door's plain model). */
  tools: z.boolean().optional(),
});
export type TurnOptions = z.infer<typeof TurnOptions>;

/** What the gateway enqueues and the runner executes. Versioned so old runners can refuse new shapes. */
export const TurnJob = z.object({
  v: z.literal(1),
  turn_id: TurnId,
  session_id: SessionId,
  mode: TurnMode,
  input: UserInput,
  options: TurnOptions,
  /** epoch ms; the runner refuses to start a turn past its deadline. */
  enqueued_at: z.number().int().nonnegative(),
  deadline_at: z.number().int().nonnegative(),
  /** The caller's tenant (and subject when SESSION_SCOPE=subject); runners scope the history key by them. Absent = unscoped (AUTH_MODE=none). */
  tenant: Tenant.optional(),
  subject: Subject.optional(),
  /**
   * Stateless turns (OpenAI-compatible and AI SDK doors): the conversation before `input`, sent by the client.
   * The executor runs on it instead of the session's stored history and commits nothing.
   */
  messages: Conversation.optional(),
  /**
   * The caller's API key's own bound on the session's history bytes (its `history_max_bytes` in API_KEYS_FILE),
   * used instead of HISTORY_MAX_BYTES when this turn is committed; 0 = none. Set by the gateway from the key
   * file only, never from a request body. Absent = the runner's HISTORY_MAX_BYTES.
   */
  history_max_bytes: z.number().int().nonnegative().max(HISTORY_MAX_BYTES_LIMIT).optional(),
  /** W3C trace context of the gateway's span (set only when tracing is on), so the runner's spans join its trace. */
  trace: z
    .object({
      traceparent: z
        .string()
        .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, { error: "is not a W3C traceparent" }),
      tracestate: z.string().max(512).optional(),
    })
    .optional(),
});
export type TurnJob = z.infer<typeof TurnJob>;
