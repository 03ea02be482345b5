import {
  createChatModel,
  ModelCallObserver,
  ModelError,
  runAgentTurn,
  runChatTurn,
  type McpServerStatus,
  type ModelCallObserverOptions,
  type ModelConfig,
} from "@acb/chains";
import type { ChatHistoryStore } from "@acb/history";
import type { TurnJob } from "@acb/schemas";
import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import {
  sessionKeyOf,
  TurnFailedError,
  type TurnContext,
  type TurnExecutor,
  type TurnFailure,
  type UsageMeter,
} from "@acb/turns";
import { turnUsage } from "./usage.js";
import { interruptedTurn, SeenText } from "./interrupted.js";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { conversationToMessages } from "./conversation.js";
import { agentJournal } from "./journal.js";

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
  /** Model-call telemetry (usage counter, `chat {model}` spans); absent = none. */
  readonly observeModel?: ModelCallObserverOptions;
}

/**
 * The turn executor shared by embedded mode (inside the gateway) and the agent-runner: load the session's
 * history, run the chain or the agent, then commit the whole turn once. A turn that fails commits nothing,
 * so a retry starts from the same history.
 */
export function createTurnExecutor(deps: TurnEngineDeps): TurnExecutor {
  return async (job: TurnJob, ctx: TurnContext) => {
    const wantsTools = job.options.tools ?? (job.mode === "agent" || deps.useToolsInChat);
    // The conversation is the caller's: the tenant (and subject) in the job scope the history key.
    const sessionKey = sessionKeyOf(job);
    // The caller's API key may bound its sessions' bytes itself (history_max_bytes); else the store's own bound.
    const commitOptions = job.history_max_bytes !== undefined ? { maxBytes: job.history_max_bytes } : undefined;
    // Both before the first token: the history read and the MCP tool list (which may reconnect) at once.
    // A stateless turn (the client sent the conversation) runs on it instead of the stored history.
    const [history, tools, journal] = await Promise.all([
      job.messages !== undefined ? conversationToMessages(job.messages) : deps.history.getMessages(sessionKey),
      wantsTools && deps.tools ? deps.tools.tools() : [],
      ctx.journal !== undefined ? agentJournal(ctx.journal, job.turn_id, ctx.takeover !== undefined) : undefined,
    ]);
    const model = createChatModel(deps.model, {
      ...(job.options.model !== undefined ? { model: job.options.model } : {}),
      ...(job.options.temperature !== undefined ? { temperature: job.options.temperature } : {}),
      ...(job.options.max_tokens !== undefined ? { maxTokens: job.options.max_tokens } : {}),
      ...(job.options.stop !== undefined ? { stop: job.options.stop } : {}),
      ...(deps.observeModel !== undefined ? { callbacks: [new ModelCallObserver(deps.observeModel)] } : {}),
    });
    if (wantsTools && deps.tools && tools.length === 0) {
      deps.log?.warn("no MCP tools reachable: running the plain chain", { turn_id: job.turn_id, mode: job.mode });
    }
    // A takeover continues what clients already have; the agent also replays the journaled steps (resume.ts in chains).
    const seen = new SeenText(ctx);
    const args = {
      model,
      history,
      input: job.input,
      signal: ctx.signal,
      emit: seen.emit,
      ...(ctx.takeover !== undefined ? { delivered: ctx.takeover } : {}),
    };
    let result: Awaited<ReturnType<typeof runChatTurn>>;
    try {
      result =
        tools.length > 0
          ? await runAgentTurn({ ...args, tools, turnId: job.turn_id, ...(journal !== undefined ? { journal } : {}) })
          : await runChatTurn(args);
    } catch (err) {
      // Cancelled with `interrupt`: what the client saw becomes history, so the session's next turn sees it.
      const interrupted = job.messages === undefined ? interruptedTurn(job.input, seen.text, ctx.signal) : undefined;
      if (interrupted !== undefined) await deps.history.commitTurn(sessionKey, job.turn_id, interrupted, commitOptions);
      throw asTurnError(err);
    }
    if (job.messages === undefined)
      await deps.history.commitTurn(sessionKey, job.turn_id, result.messages, commitOptions);
    if (deps.usage) {
      // Metering never fails a turn the client already received.
      await bestEffort(
        deps.usage.record(job.tenant ?? "", turnUsage(history, result.messages)),
        deps.log ?? silentLogger,
        "recording the turn's usage",
      );
    }
  };
}

/**
 * A model failure becomes the turn failure a client sees (its safe sentence and a code), where it is caught, so
 * `processTurn` needs no mapper from us; anything else is passed on unchanged (processTurn knows its own errors
 * and reports the rest as internal).
 */
export function asTurnError(err: unknown): unknown {
  if (!(err instanceof ModelError)) return err;
  const code: TurnFailure["code"] =
    err.kind === "timeout"
      ? "timeout"
      : err.kind === "rate_limited"
        ? "rate_limited"
        : err.kind === "aborted"
          ? "aborted"
          : "upstream";
  return new TurnFailedError({ code, message: err.publicMessage }, { cause: err });
}
