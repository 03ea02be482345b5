import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import type { TurnEvent, TurnJob } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import type { TurnCanceller } from "./cancel/types.js";
import { CoalescingWriter } from "./coalesce.js";
import type { TurnEventLog } from "./event-log/types.js";
import { describeTurnFailure, TurnCancelledError, TurnTimeoutError, type TurnFailure } from "./turn-errors.js";

export interface TurnContext {
  /** Aborted on timeout, cancel, or shutdown; executors pass it to the model and tools. */
  readonly signal: AbortSignal;
  /**
   * Queues an event for the turn's log. Events keep their order; tokens that arrive while an append is in
   * flight are merged into one (`CoalescingWriter`), so awaiting `emit` does not wait for Redis. A failed
   * append surfaces on a later `emit` (which then throws) or ends the turn.
   */
  emit(event: TurnEvent): Promise<void>;
}

/** Runs one turn: loads history, runs the chain or agent, emits tokens and tool events, commits history. */
export type TurnExecutor = (job: TurnJob, ctx: TurnContext) => Promise<void>;

export interface ProcessTurnDeps {
  readonly eventLog: TurnEventLog;
  readonly execute: TurnExecutor;
  /** Describes errors this package does not know (its own turn errors and `TurnFailedError` are mapped here); default "internal". */
  readonly describeUnknownError?: (err: unknown) => TurnFailure;
  readonly canceller?: TurnCanceller;
  /** Aborts every turn in flight (runner shutdown). */
  readonly shutdownSignal?: AbortSignal;
  readonly log?: Logger;
}

export type TurnOutcome = "completed" | "failed" | "already_finished";

/**
 * The one place that turns a job into a finished event log: whatever happens inside the executor, the log
 * ends with `error` (on failure) and then `done` carrying the session id, so no client stream is left hanging.
 * A job whose log already ended (a BullMQ retry after the first run finished) is not run again.
 */
export async function processTurn(job: TurnJob, deps: ProcessTurnDeps): Promise<TurnOutcome> {
  const { eventLog } = deps;
  const controller = new AbortController();
  // Both round trips at once: they sit on every turn's time to first token.
  const [existing, unwatch] = await Promise.all([
    eventLog.read(job.turn_id, "0", 1),
    deps.canceller?.watch(job.turn_id, (mode) => controller.abort(new TurnCancelledError(mode))),
  ]);
  if (existing.length > 0) {
    unwatch?.();
    if ((await eventLog.read(job.turn_id, "0")).some((e) => isTerminal(e.event))) return "already_finished";
    // A runner died mid-turn and the queue handed the job to us. Its events already reached clients, so
    // running the turn again would repeat them: end it honestly instead, and let the client retry.
    await eventLog.append(job.turn_id, { event: "error", data: "the runner executing this turn stopped; please send the message again", code: "runner_lost" });
    await eventLog.append(job.turn_id, { event: "done", data: job.session_id });
    return "failed";
  }

  const budget = Math.max(0, job.deadline_at - Date.now());
  const timeout = setTimeout(() => controller.abort(new TurnTimeoutError(job.deadline_at - job.enqueued_at)), budget);
  const onShutdown = (): void => controller.abort(deps.shutdownSignal?.reason);
  deps.shutdownSignal?.addEventListener("abort", onShutdown, { once: true });

  const writer = new CoalescingWriter((event) => eventLog.append(job.turn_id, event));
  let outcome: TurnOutcome = "completed";
  let executing: Promise<void> | undefined;
  try {
    if (budget === 0) throw new TurnTimeoutError(job.deadline_at - job.enqueued_at);
    executing = deps.execute(job, {
      signal: controller.signal,
      emit: async (event) => {
        // done is written once, below; nothing after an abort (the error event must be the last before done).
        if (isTerminal(event) || controller.signal.aborted) return;
        writer.emit(event);
      },
    });
    await Promise.race([
      executing.then(() => writer.flush()),
      // An executor that ignores its signal must not hold the turn open past its deadline.
      new Promise<never>((_, reject) => {
        if (controller.signal.aborted) reject(controller.signal.reason);
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      }),
    ]);
  } catch (err) {
    outcome = "failed";
    const failure = describeTurnFailure(controller.signal.aborted ? (controller.signal.reason ?? err) : err, deps.describeUnknownError);
    // The events queued before the failure still go first; if the log itself is failing, the error append below says so.
    await bestEffort(writer.flush(), (deps.log ?? silentLogger).child({ turn_id: job.turn_id }), "writing a failed turn's last events");
    await eventLog.append(job.turn_id, { event: "error", data: failure.message, code: failure.code });
  } finally {
    clearTimeout(timeout);
    deps.shutdownSignal?.removeEventListener("abort", onShutdown);
    unwatch?.();
  }
  await eventLog.append(job.turn_id, { event: "done", data: job.session_id });
  // A cancelled executor may still be committing the interrupted answer: the session's next turn must see it,
  // so the turn is over (and hands its session on) only when the executor has let go, within a bound.
  if (controller.signal.reason instanceof TurnCancelledError && executing !== undefined) await settledWithin(executing, EXECUTOR_SETTLE_MS);
  return outcome;
}

/** How long an aborted executor gets to finish what it does on abort (commit an interrupted answer). */
const EXECUTOR_SETTLE_MS = 2_000;

async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
