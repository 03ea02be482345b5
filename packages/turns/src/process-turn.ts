import { bestEffort, errorFields, silentLogger, type Logger } from "@acb/logger";
import type { TurnEvent, TurnJob } from "@acb/schemas";
import { isTerminal } from "@acb/schemas";
import type { TurnCanceller } from "./cancel/types.js";
import { CoalescingWriter } from "./coalesce.js";
import type { TurnEventLog } from "./event-log/types.js";
import type { TurnJournal } from "./journal/types.js";
import type { TurnLimits } from "./limits/types.js";
import { deliveredSoFar, type TurnTakeover } from "./takeover.js";
import type { TurnObserver } from "@acb/telemetry";
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
  /** Set when this run takes over a turn whose runner died: what its clients already received (see takeover.ts). */
  readonly takeover?: TurnTakeover;
  /** The turn's journal of completed steps (absent = none wired: a dead runner's turn then ends `runner_lost`). */
  readonly journal?: TurnJournal;
}

/** Runs one turn: loads history, runs the chain or agent, emits tokens and tool events, commits history. */
export type TurnExecutor = (job: TurnJob, ctx: TurnContext) => Promise<void>;

export interface ProcessTurnDeps {
  readonly eventLog: TurnEventLog;
  readonly execute: TurnExecutor;
  /** Describes errors this package does not know (its own turn errors and `TurnFailedError` are mapped here); default "internal". */
  readonly describeUnknownError?: (err: unknown) => TurnFailure;
  readonly canceller?: TurnCanceller;
  /** Completed steps per turn, so another runner can take a turn over when its runner dies. */
  readonly journal?: TurnJournal;
  /** Aborts every turn in flight (runner shutdown). */
  readonly shutdownSignal?: AbortSignal;
  readonly log?: Logger;
  /** Metrics hook (turns started/finished, queue wait, first token, tokens); see @acb/telemetry turnObserver. */
  readonly observer?: TurnObserver;
  /**
   * The tenant's concurrency slots: the turn's is released once its `done` is in the log (whatever the outcome). Not
   * when processing throws (a shutdown, a lost runner): the turn is not over, its slot frees itself at the deadline.
   * The turn's queued place (an API key's max_queued_turns) is given up as processing starts.
   */
  readonly limits?: Pick<TurnLimits, "release" | "started">;
}

export type TurnOutcome = "completed" | "failed" | "already_finished";

/**
 * The one place that turns a job into a finished event log: whatever happens inside the executor, the log
 * ends with `error` (on failure) and then `done` carrying the session id, so no client stream is left hanging.
 * A job whose log already ended (a BullMQ retry after the first run finished) is not run again.
 */
export async function processTurn(job: TurnJob, deps: ProcessTurnDeps): Promise<TurnOutcome> {
  // The logger of the turn's best-effort steps, built once per turn (two of those steps run on every turn).
  const turnLog = (deps.log ?? silentLogger).child({ turn_id: job.turn_id });
  const outcome = await runToDone(job, deps, turnLog);
  if (deps.limits !== undefined)
    await bestEffort(deps.limits.release(job.turn_id), turnLog, "releasing the tenant's concurrency slot");
  return outcome;
}

async function runToDone(job: TurnJob, deps: ProcessTurnDeps, turnLog: Logger): Promise<TurnOutcome> {
  const { eventLog } = deps;
  const controller = new AbortController();
  const observed = deps.observer?.started(job);
  // These round trips at once: they sit on every turn's time to first token. A new turn's log is empty, so reading
  // it whole costs what reading one entry would; a redelivered turn needs all of it anyway. The turn stops counting
  // as queued (an API key's max_queued_turns) before its model is called.
  const [events, unwatch] = await Promise.all([
    eventLog.read(job.turn_id, "0"),
    deps.canceller?.watch(job.turn_id, (mode) => controller.abort(new TurnCancelledError(mode))),
    deps.limits !== undefined
      ? bestEffort(deps.limits.started(job.turn_id), turnLog, "giving up the turn's queued place")
      : undefined,
  ]);
  let takeover: TurnTakeover | undefined;
  if (events.length > 0) {
    if (events.some((e) => isTerminal(e.event))) {
      unwatch?.();
      observed?.finished("already_finished");
      return "already_finished";
    }
    // A runner died mid-turn and the queue handed the job to us. With a journal we take the turn over: finished steps
    // are replayed, the cut-off model call continues the text clients already have. Without one, or past the turn's
    // deadline, running it again would repeat what clients saw: end it honestly instead, and let the client retry.
    if (deps.journal === undefined || job.deadline_at <= Date.now()) {
      unwatch?.();
      await endRunnerLost(job, eventLog);
      observed?.finished("runner_lost");
      return "failed";
    }
    takeover = deliveredSoFar(events);
  }

  const budget = Math.max(0, job.deadline_at - Date.now());
  const timeout = setTimeout(() => controller.abort(new TurnTimeoutError(job.deadline_at - job.enqueued_at)), budget);
  const onShutdown = (): void => controller.abort(deps.shutdownSignal?.reason);
  deps.shutdownSignal?.addEventListener("abort", onShutdown, { once: true });

  const writer = new CoalescingWriter((event) => eventLog.append(job.turn_id, event));
  let outcome: TurnOutcome = "completed";
  let failureCode: string | undefined;
  let executing: Promise<void> | undefined;
  try {
    if (budget === 0) throw new TurnTimeoutError(job.deadline_at - job.enqueued_at);
    executing = deps.execute(job, {
      signal: controller.signal,
      ...(takeover !== undefined ? { takeover } : {}),
      ...(deps.journal !== undefined ? { journal: deps.journal } : {}),
      emit: async (event) => {
        // done is written once, below; nothing after an abort (the error event must be the last before done).
        if (isTerminal(event) || controller.signal.aborted) return;
        observed?.event(event);
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
    const cause = controller.signal.aborted ? (controller.signal.reason ?? err) : err;
    const described = describeTurnFailure(cause, deps.describeUnknownError);
    // A takeover that fails (other than a cancel) reports the lost runner: that is why the turn could not finish.
    const failure =
      takeover !== undefined && described.code !== "aborted"
        ? { code: "runner_lost" as const, message: `${RUNNER_LOST_MESSAGE} (${described.message})` }
        : described;
    failureCode = failure.code;
    // The one line that says why a turn failed (classes, upstream status; never a prompt, a key or a message).
    (deps.log ?? silentLogger).warn("turn failed", {
      turn_id: job.turn_id,
      mode: job.mode,
      code: failure.code,
      reason: failure.message,
      ...errorFields(cause),
    });
    // The events queued before the failure still go first; if the log itself is failing, the error append below says so.
    await bestEffort(writer.flush(), turnLog, "writing a failed turn's last events");
    await eventLog.append(job.turn_id, { event: "error", data: failure.message, code: failure.code });
  } finally {
    clearTimeout(timeout);
    deps.shutdownSignal?.removeEventListener("abort", onShutdown);
    unwatch?.();
  }
  await eventLog.append(job.turn_id, { event: "done", data: job.session_id });
  if (deps.journal !== undefined)
    await bestEffort(deps.journal.clear(job.turn_id), turnLog, "clearing a finished turn's journal");
  // A cancelled executor may still be committing the interrupted answer: the session's next turn must see it,
  // so the turn is over (and hands its session on) only when the executor has let go, within a bound.
  if (controller.signal.reason instanceof TurnCancelledError && executing !== undefined)
    await settledWithin(executing, EXECUTOR_SETTLE_MS);
  observed?.finished(failureCode ?? outcome);
  return outcome;
}

/** How long an aborted executor gets to finish what it does on abort (commit an interrupted answer). */
const EXECUTOR_SETTLE_MS = 2_000;

async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

const RUNNER_LOST_MESSAGE = "the runner executing this turn stopped; please send the message again";

async function endRunnerLost(job: TurnJob, eventLog: TurnEventLog): Promise<void> {
  await eventLog.append(job.turn_id, { event: "error", data: RUNNER_LOST_MESSAGE, code: "runner_lost" });
  await eventLog.append(job.turn_id, { event: "done", data: job.session_id });
}
