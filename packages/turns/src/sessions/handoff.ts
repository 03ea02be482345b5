import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import { scopedSessionKey, type TurnJob } from "@acb/schemas";
import type { TurnQueue } from "../queue/types.js";
import type { SessionTurns } from "./types.js";

export interface SessionHandoffDeps {
  readonly sessions: SessionTurns;
  /** Where the session's next turn goes once this one ended. */
  readonly queue: TurnQueue;
  readonly log?: Logger;
}

/** Turns that use a session's history are ordered per session; stateless turns (the client sent the conversation) are not. */
export function isSessionOrdered(job: TurnJob): boolean {
  return job.messages === undefined;
}

/** The key a job's session is ordered under: the tenant-scoped history key, so the order is per conversation. */
export function sessionKeyOf(job: Pick<TurnJob, "session_id" | "tenant" | "subject">): string {
  return scopedSessionKey(job.session_id, job);
}

/**
 * The turn ended (however it ended): hand its session to the next waiting turn. Called by whoever ends a turn
 * (the runner after processTurn, embedded mode's in-process queue, the gateway's watchdog); idempotent.
 */
export async function handOnSession(job: TurnJob, deps: SessionHandoffDeps): Promise<void> {
  if (!isSessionOrdered(job)) return;
  const next = await deps.sessions.finish(sessionKeyOf(job), job.turn_id);
  if (next !== undefined) await deps.queue.enqueue(next);
}

/** Wraps a turn handler so that, whatever it does, its session moves on to the next turn afterwards. */
export function sessionOrdered<T>(
  handler: (job: TurnJob) => Promise<T>,
  deps: SessionHandoffDeps,
): (job: TurnJob) => Promise<T> {
  const log = deps.log ?? silentLogger;
  return async (job) => {
    try {
      return await handler(job);
    } finally {
      await bestEffort(
        handOnSession(job, deps),
        log.child({ turn_id: job.turn_id }),
        "handing the session to its next turn",
      );
    }
  };
}
