import type { TurnErrorCode } from "@acb/schemas";

/** What a client is told when a turn fails: the `error` event's code and sentence. */
export interface TurnFailure {
  readonly code: TurnErrorCode;
  /** Safe for clients: no stack, no host path, no secret. */
  readonly message: string;
}

export class TurnTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the turn did not finish within ${Math.round(timeoutMs / 1000)} s`);
    this.name = "TurnTimeoutError";
  }
}

export class TurnCancelledError extends Error {
  /** `interrupt`: the executor commits what the client saw, marked interrupted; `rollback`: nothing. */
  constructor(readonly mode: "interrupt" | "rollback" = "interrupt") {
    super("the turn was cancelled");
    this.name = "TurnCancelledError";
  }
}

/** The runner is stopping and its grace period ran out before this turn finished. */
export class RunnerShutdownError extends Error {
  constructor() {
    super("the runner shut down before the turn finished; please send the message again");
    this.name = "RunnerShutdownError";
  }
}

/** An executor's failure that already knows what the client should be told (e.g. a model error, mapped where it is caught). */
export class TurnFailedError extends Error {
  readonly failure: TurnFailure;
  constructor(failure: TurnFailure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.name = "TurnFailedError";
    this.failure = failure;
  }
}

/** The failure of anything no one described: a generic sentence, never the thrown message (it may hold paths or secrets). */
export const INTERNAL_FAILURE: TurnFailure = { code: "internal", message: "the turn failed with an internal error" };

/**
 * Maps whatever ended a turn to the `error` event a client sees. The turn errors of this package are known here;
 * anything else goes to `describeUnknown` (default: {@link INTERNAL_FAILURE}).
 */
export function describeTurnFailure(
  err: unknown,
  describeUnknown: (err: unknown) => TurnFailure = () => INTERNAL_FAILURE,
): TurnFailure {
  if (err instanceof TurnFailedError) return err.failure;
  if (err instanceof TurnTimeoutError) return { code: "timeout", message: err.message };
  if (err instanceof TurnCancelledError) return { code: "cancelled", message: err.message };
  if (err instanceof RunnerShutdownError) return { code: "runner_lost", message: err.message };
  return describeUnknown(err);
}
