import { errorMessage, type Logger } from "@acb/logger";
import type { TurnJob } from "@acb/schemas";
import type { TurnEventLog, TurnQueue } from "@acb/turns";

/**
 * Watches the turns this gateway enqueued until a runner starts them (their first event). A turn whose job is gone
 * before that — Redis restarted without persistence, or its data was evicted — would otherwise wait for the
 * watchdog (the turn's whole deadline): the guard ends it within one check period instead.
 */
export class QueuedTurnGuard {
  private readonly waiting = new Map<string, TurnJob>();
  /** Sessions of the turns started here, until their deadline (a stream cut short by a lost Redis ends with `done: <session>`). */
  private readonly sessions = new Map<string, { readonly sessionId: string; readonly until: number }>();
  /** Turns whose `error` the guard appended but whose `done` did not go through yet (Redis still restarting). */
  private readonly unfinished = new Map<string, TurnJob>();
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly queue: Required<Pick<TurnQueue, "has">>,
    private readonly eventLog: TurnEventLog,
    checkEveryMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.check(), checkEveryMs);
    this.timer.unref();
  }

  track(job: TurnJob): void {
    this.waiting.set(job.turn_id, job);
    this.sessions.set(job.turn_id, { sessionId: job.session_id, until: job.deadline_at + 60_000 });
  }

  /** The session of a turn this gateway started and still watches. */
  sessionOf(turnId: string): string | undefined {
    return this.sessions.get(turnId)?.sessionId;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    const now = Date.now();
    for (const [turnId, s] of this.sessions) if (s.until < now) this.sessions.delete(turnId);
    try {
      for (const job of [...this.unfinished.values()]) {
        try {
          await this.eventLog.append(job.turn_id, { event: "done", data: job.session_id });
          this.unfinished.delete(job.turn_id);
        } catch (err) {
          this.log.debug("ending a lost turn failed; trying again next period", {
            turn_id: job.turn_id,
            error: errorMessage(err),
          });
        }
      }
      // Side by side: one check is a round trip or three, and a backlog can hold many turns.
      const check = async (job: TurnJob): Promise<void> => {
        let verdict: "waiting" | "started" | "ended" = "waiting";
        try {
          verdict = await this.vanished(job);
        } catch (err) {
          // Redis unreachable right now: try again next period.
          this.log.debug("checking that a queued turn's job still exists failed", {
            turn_id: job.turn_id,
            error: errorMessage(err),
          });
        }
        // Started: the runner (or a takeover, or the watchdog) ends it. Past its deadline: the watchdog's business.
        if (verdict !== "waiting" || job.deadline_at < Date.now()) this.waiting.delete(job.turn_id);
      };
      await Promise.all([...this.waiting.values()].map(check));
    } finally {
      this.checking = false;
    }
  }

  private async vanished(job: TurnJob): Promise<"waiting" | "started" | "ended"> {
    if (await this.eventLog.exists(job.turn_id)) return "started";
    if (await this.queue.has(job.turn_id)) {
      // The job may have been taken between the two reads: only a job and a log both missing mean it is lost.
      return "waiting";
    }
    if (await this.eventLog.exists(job.turn_id)) return "started";
    this.log.warn(
      "a queued turn's job vanished (Redis restarted without persistence, or evicted keys): ending the turn",
      { turn_id: job.turn_id },
    );
    const ended = await this.eventLog.append(job.turn_id, {
      event: "error",
      data: "the turn was lost before a runner took it (the queue lost it); please send the message again",
      code: "runner_lost",
    });
    if (ended !== undefined) {
      // The `done` must follow, or the turn's followers wait for ever: retried each period until it goes through.
      this.unfinished.set(job.turn_id, job);
      await this.eventLog.append(job.turn_id, { event: "done", data: job.session_id });
      this.unfinished.delete(job.turn_id);
    }
    return "ended";
  }

  close(): void {
    clearInterval(this.timer);
    this.waiting.clear();
    this.unfinished.clear();
    this.sessions.clear();
  }
}
