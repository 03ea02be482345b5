import { z } from "zod";
import { ModelName, SessionId, Temperature, UserInput } from "./chat.js";
import { Subject, Tenant } from "./scope.js";

export const TURN_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const TurnId = z.string().regex(TURN_ID_PATTERN, { error: "is not a valid turn id" });

/** `chat` runs the LCEL chain (or the agent when MCP tools are on in chat); `agent` always runs the agent. */
export const TurnMode = z.enum(["chat", "agent"]);
export type TurnMode = z.infer<typeof TurnMode>;

export const TurnOptions = z.object({
  model: ModelName.optional(),
  temperature: Temperature.optional(),
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
});
export type TurnJob = z.infer<typeof TurnJob>;
