import { z } from "zod";

/**
 * The events of one turn, as the seed names them. They are what the runner appends to the turn's event log
 * and what the gateway relays as SSE (`event:` / `data:`) or WebSocket JSON frames.
 */
export const TokenEvent = z.object({ event: z.literal("token"), data: z.string() });
/**
 * `data` is the tool name (the seed's wire). The optional fields are for richer clients (AI SDK UI stream,
 * playground, OpenAI `<details>` blocks) and never reach the seed's SSE or WebSocket frames: `call_id` pairs a
 * start with its end, `input` is the call's arguments, `output` the (bounded) result text.
 */
export const ToolStartEvent = z.object({
  event: z.literal("tool_start"),
  data: z.string(),
  call_id: z.string().optional(),
  input: z.unknown().optional(),
});
export const ToolEndEvent = z.object({
  event: z.literal("tool_end"),
  data: z.string(),
  call_id: z.string().optional(),
  output: z.string().optional(),
  is_error: z.boolean().optional(),
});
/** `code` is for the gateway (`cancelled`: someone cancelled the turn; `aborted`: the model request was aborted otherwise) (it picks the HTTP status of a non-streaming answer); SSE clients see only `data`. */
export const ErrorEvent = z.object({
  event: z.literal("error"),
  data: z.string(),
  code: z.enum(["upstream", "timeout", "rate_limited", "aborted", "cancelled", "runner_lost", "internal"]).optional(),
});
export type TurnErrorCode = NonNullable<z.infer<typeof ErrorEvent>["code"]>;
/** `done` carries the session id and is always the last event of a turn. */
export const DoneEvent = z.object({ event: z.literal("done"), data: z.string() });

export const TurnEvent = z.discriminatedUnion("event", [
  TokenEvent,
  ToolStartEvent,
  ToolEndEvent,
  ErrorEvent,
  DoneEvent,
]);
export type TurnEvent = z.infer<typeof TurnEvent>;
export type TurnEventName = TurnEvent["event"];

/** An event as stored in a turn's log: its id is the SSE `id:` and the resume point for `Last-Event-ID`. */
export interface LoggedTurnEvent {
  readonly id: string;
  readonly event: TurnEvent;
}

export const isTerminal = (event: TurnEvent): boolean => event.event === "done";

/** WebSocket frames sent by the server. `done` carries the session id too (a superset of the seed's `{"event":"done"}`). */
export const WsServerFrame = z.object({
  event: z.enum(["token", "tool_start", "tool_end", "error", "done"]),
  data: z.string().optional(),
  turn_id: z.string().optional(),
  /** On `error` frames the gateway refused (rate_limited, backlog_full, queue_full, bad_request …): the same code as the HTTP error. */
  code: z.string().optional(),
});
export type WsServerFrame = z.infer<typeof WsServerFrame>;
