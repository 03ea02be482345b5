import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { TurnCancelledError, type TurnContext } from "@acb/turns";

/**
 * The text a turn's clients have seen: every token emitted before the turn was aborted — after what they had
 * already received from a runner that died, when this run took the turn over (that part is not emitted again).
 */
export class SeenText {
  text: string;
  constructor(private readonly ctx: TurnContext) {
    this.text = ctx.takeover?.text ?? "";
  }

  readonly emit: TurnContext["emit"] = async (event) => {
    // processTurn drops events emitted after an abort; so does this count.
    if (event.event === "token" && !this.ctx.signal.aborted) this.text += event.data;
    await this.ctx.emit(event);
  };
}

/**
 * The history entry of a turn cancelled with `interrupt`: the human message and the partial answer the client
 * saw, as an AIMessage marked `additional_kwargs.interrupted = true` (models see the partial text; tools and
 * readers of history can tell it was cut). Undefined when the turn was not cancelled, or cancelled with
 * `rollback` (nothing of it is kept).
 */
export function interruptedTurn(input: string, partial: string, signal: AbortSignal): BaseMessage[] | undefined {
  const reason: unknown = signal.reason;
  if (!signal.aborted || !(reason instanceof TurnCancelledError) || reason.mode !== "interrupt") return undefined;
  return [new HumanMessage(input), new AIMessage({ content: partial, additional_kwargs: { interrupted: true } })];
}
