import { createChatModel, ModelError, runAgentTurn, runChatTurn, type McpServerStatus, type ModelConfig } from "@acb/chains";
import type { ChatHistoryStore } from "@acb/history";
import { scopedSessionKey, type TurnJob } from "@acb/schemas";
import { RunnerShutdownError, TurnCancelledError, TurnTimeoutError, type TurnContext, type TurnExecutor, type TurnFailure, type UsageMeter } from "@acb/turns";
import { turnUsage } from "./usage.js";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { Logger } from "./log.js";

/** Where agent tools come from (the MCP toolbox); never throws, a down server just contributes no tools. */
export interface ToolSource {
  tools(): Promise<StructuredToolInterface[]>;
  status(): McpServerStatus[];
}

export interface TurnEngineDeps {
  readonly history: ChatHistoryStore;
  readonly model: ModelConfig;
  /** MCP tools for agent turns; absent = no tools configured. */
  readonly tools?: ToolSource;
  /** USE_MCP_IN_CHAT: chat turns use the agent with tools too (falling back to the chain without them). */
  readonly useToolsInChat: boolean;
  readonly log?: Logger;
  /** Token usage per tenant per day (GET /v1/usage); absent = not metered. */
  readonly usage?: UsageMeter;
}

/**
 * The turn executor shared by embedded mode (inside the gateway) and the agent-runner: load the session's
 * history, run the chain or the agent, then commit the whole turn once. A turn that fails commits nothing,
 * so a retry starts from the same history.
 */
export function createTurnExecutor(deps: TurnEngineDeps): TurnExecutor {
  return async (job: TurnJob, ctx: TurnContext) => {
    const wantsTools = job.mode === "agent" || deps.useToolsInChat;
    // The conversation is the caller's: the tenant (and subject) in the job scope the history key.
    const sessionKey = scopedSessionKey(job.session_id, job);
    // Both before the first token: the history read and the MCP tool list (which may reconnect) at once.
    const [history, tools] = await Promise.all([deps.history.getMessages(sessionKey), wantsTools && deps.tools ? deps.tools.tools() : []]);
    const model = createChatModel(deps.model, {
      ...(job.options.model !== undefined ? { model: job.options.model } : {}),
      ...(job.options.temperature !== undefined ? { temperature: job.options.temperature } : {}),
    });
    if (wantsTools && deps.tools && tools.length === 0) {
      deps.log?.warn("no MCP tools reachable: running the plain chain", { turn_id: job.turn_id, mode: job.mode });
    }
    const args = { model, history, input: job.input, signal: ctx.signal, emit: ctx.emit };
    const result = tools.length > 0 ? await runAgentTurn({ ...args, tools }) : await runChatTurn(args);
    await deps.history.commitTurn(sessionKey, job.turn_id, result.messages);
    if (deps.usage) {
      // Metering never fails a turn the client already received.
      await deps.usage.record(job.tenant ?? "", turnUsage(history, result.messages)).catch((err: unknown) => {
        deps.log?.warn("usage not recorded", { turn_id: job.turn_id, error: err instanceof Error ? err.message : "unknown" });
      });
    }
  };
}

/** Maps whatever a turn threw to the `error` event a client sees: a safe sentence and a code. */
export function describeTurnError(err: unknown): TurnFailure {
  if (err instanceof TurnTimeoutError) return { code: "timeout", message: err.message };
  if (err instanceof TurnCancelledError) return { code: "aborted", message: err.message };
  if (err instanceof RunnerShutdownError) return { code: "runner_lost", message: err.message };
  if (err instanceof ModelError) {
    const code = err.kind === "timeout" ? "timeout" : err.kind === "rate_limited" ? "rate_limited" : err.kind === "aborted" ? "aborted" : "upstream";
    return { code, message: err.publicMessage };
  }
  return { code: "internal", message: "the turn failed with an internal error" };
}
