import type { ErrorEvent, LoggedTurnEvent, TurnJob, TurnMode, TurnOptions } from "@acb/schemas";
import { newTurnId, type TurnCanceller, type TurnEventLog, type TurnQueue } from "@acb/turns";
import type { z } from "zod";

export interface StartTurn {
  readonly sessionId: string;
  readonly mode: TurnMode;
  readonly input: string;
  readonly options: TurnOptions;
  /** Stateless turns: the conversation before `input`, run instead of the session's history, committed nowhere. */
  readonly messages?: TurnJob["messages"];
}

export interface CollectedTurn {
  readonly text: string;
  readonly error?: z.infer<typeof ErrorEvent>;
  /** False when the wait ran out before the turn's `done` (its text is then partial). */
  readonly ended: boolean;
}

/**
 * The gateway's side of a turn: enqueue it, then read its events back from the log. The routes see only
 * this; whether the turn runs in this process (embedded) or on a runner (distributed) is the queue's business.
 */
export class TurnService {
  private readonly watchdogs = new Set<NodeJS.Timeout>();

  constructor(
    private readonly queue: TurnQueue,
    private readonly eventLog: TurnEventLog,
    private readonly turnTimeoutMs: number,
    /**
     * Distributed mode: if no runner has ended a turn by its deadline plus this grace (no runner alive, or
     * every runner died), the gateway ends it (error + done) so its clients are never left hanging. The log
     * accepts one `done` only, so this cannot race a runner into a double ending. Undefined = off.
     */
    private readonly watchdogGraceMs?: number,
    /** Where `cancel` goes (the runner executing the turn watches it); undefined = cancelling is not wired. */
    private readonly canceller?: TurnCanceller,
  ) {}

  async start(turn: StartTurn): Promise<TurnJob> {
    const now = Date.now();
    const job: TurnJob = {
      v: 1,
      turn_id: newTurnId(),
      session_id: turn.sessionId,
      mode: turn.mode,
      input: turn.input,
      options: turn.options,
      ...(turn.messages !== undefined ? { messages: turn.messages } : {}),
      enqueued_at: now,
      deadline_at: now + this.turnTimeoutMs,
    };
    await this.queue.enqueue(job);
    if (this.watchdogGraceMs !== undefined) this.watch(job);
    return job;
  }

  private watch(job: TurnJob): void {
    const timer = setTimeout(() => {
      this.watchdogs.delete(timer);
      void (async () => {
        const ended = await this.eventLog.append(job.turn_id, { event: "error", data: "no runner finished the turn in time", code: "timeout" });
        if (ended !== undefined) await this.eventLog.append(job.turn_id, { event: "done", data: job.session_id });
      })().catch(() => undefined);
    }, job.deadline_at - Date.now() + (this.watchdogGraceMs ?? 0));
    timer.unref();
    this.watchdogs.add(timer);
  }

  close(): void {
    for (const t of this.watchdogs) clearTimeout(t);
    this.watchdogs.clear();
  }

  follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    return this.eventLog.follow(turnId, afterId, signal);
  }

  /** Asks whoever runs the turn to stop it (it ends with `error` code `aborted`, then `done`). Idempotent. */
  async cancel(turnId: string): Promise<boolean> {
    if (this.canceller === undefined) return false;
    await this.canceller.cancel(turnId);
    return true;
  }

  /** Every event logged so far for the turn, oldest first (resume points, "is it still running?"). */
  events(turnId: string): Promise<LoggedTurnEvent[]> {
    return this.eventLog.read(turnId, "0");
  }

  exists(turnId: string): Promise<boolean> {
    return this.eventLog.exists(turnId);
  }

  /** Waits for the whole turn (non-streaming answers). */
  async collect(turnId: string, signal: AbortSignal): Promise<CollectedTurn> {
    let text = "";
    let error: z.infer<typeof ErrorEvent> | undefined;
    let ended = false;
    for await (const { event } of this.follow(turnId, "0", signal)) {
      if (event.event === "token") text += event.data;
      else if (event.event === "error") error = event;
      else if (event.event === "done") ended = true;
    }
    return error ? { text, error, ended } : { text, ended };
  }
}

export function turnOptions(req: { model?: string | null | undefined; temperature?: number | null | undefined }): TurnOptions {
  return {
    ...(req.model != null ? { model: req.model } : {}),
    ...(req.temperature != null ? { temperature: req.temperature } : {}),
  };
}
