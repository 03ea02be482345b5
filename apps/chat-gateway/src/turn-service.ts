import type { ErrorEvent, LoggedTurnEvent, TurnJob, TurnMode, TurnOptions } from "@acb/schemas";
import { newTurnId, type TurnEventLog, type TurnQueue } from "@acb/turns";
import type { z } from "zod";

export interface StartTurn {
  readonly sessionId: string;
  readonly mode: TurnMode;
  readonly input: string;
  readonly options: TurnOptions;
}

export interface CollectedTurn {
  readonly text: string;
  readonly error?: z.infer<typeof ErrorEvent>;
}

/**
 * The gateway's side of a turn: enqueue it, then read its events back from the log. The routes see only
 * this; whether the turn runs in this process (embedded) or on a runner (distributed) is the queue's business.
 */
export class TurnService {
  constructor(
    private readonly queue: TurnQueue,
    private readonly eventLog: TurnEventLog,
    private readonly turnTimeoutMs: number,
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
      enqueued_at: now,
      deadline_at: now + this.turnTimeoutMs,
    };
    await this.queue.enqueue(job);
    return job;
  }

  follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    return this.eventLog.follow(turnId, afterId, signal);
  }

  exists(turnId: string): Promise<boolean> {
    return this.eventLog.exists(turnId);
  }

  /** Waits for the whole turn (non-streaming answers). */
  async collect(turnId: string, signal: AbortSignal): Promise<CollectedTurn> {
    let text = "";
    let error: z.infer<typeof ErrorEvent> | undefined;
    for await (const { event } of this.follow(turnId, "0", signal)) {
      if (event.event === "token") text += event.data;
      else if (event.event === "error") error = event;
    }
    return error ? { text, error } : { text };
  }
}

export function turnOptions(req: { model?: string | null | undefined; temperature?: number | null | undefined }): TurnOptions {
  return {
    ...(req.model != null ? { model: req.model } : {}),
    ...(req.temperature != null ? { temperature: req.temperature } : {}),
  };
}
