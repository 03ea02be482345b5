import { createChatModel, ModelError, runChatTurn, type ModelConfig } from "@acb/chains";
import type { ChatHistoryStore } from "@acb/history";
import type { TurnJob } from "@acb/schemas";
import { TurnCancelledError, TurnTimeoutError, type TurnContext, type TurnExecutor, type TurnFailure } from "@acb/turns";

export interface TurnEngineDeps {
  readonly history: ChatHistoryStore;
  readonly model: ModelConfig;
}

/**
 * The turn executor shared by embedded mode (inside the gateway) and the agent-runner: load the session's
 * history, stream the chain, then commit the whole turn once. A turn that fails commits nothing, so a retry
 * starts from the same history.
 */
export function createTurnExecutor(deps: TurnEngineDeps): TurnExecutor {
  return async (job: TurnJob, ctx: TurnContext) => {
    const history = await deps.history.getMessages(job.session_id);
    const model = createChatModel(deps.model, {
      ...(job.options.model !== undefined ? { model: job.options.model } : {}),
      ...(job.options.temperature !== undefined ? { temperature: job.options.temperature } : {}),
    });
    const result = await runChatTurn({ model, history, input: job.input, signal: ctx.signal, emit: ctx.emit });
    await deps.history.commitTurn(job.session_id, job.turn_id, result.messages);
  };
}

/** Maps whatever a turn threw to the `error` event a client sees: a safe sentence and a code. */
export function describeTurnError(err: unknown): TurnFailure {
  if (err instanceof TurnTimeoutError) return { code: "timeout", message: err.message };
  if (err instanceof TurnCancelledError) return { code: "aborted", message: err.message };
  if (err instanceof ModelError) {
    const code = err.kind === "timeout" ? "timeout" : err.kind === "rate_limited" ? "rate_limited" : err.kind === "aborted" ? "aborted" : "upstream";
    return { code, message: err.publicMessage };
  }
  return { code: "internal", message: "the turn failed with an internal error" };
}
