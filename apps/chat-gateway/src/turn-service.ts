import { scopeId, type ErrorEvent, type LoggedTurnEvent, type TurnJob, type TurnMode, type TurnOptions, type TurnScope } from "@acb/schemas";
import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import { InMemoryTurnOwners, newTurnId, QueueFullError, type TurnCanceller, type TurnEventLog, type TurnOwners, type TurnQueue } from "@acb/turns";
import type { z } from "zod";
import { queueFullError, type Caller, type TurnAdmission } from "./limits/admission.js";
import { followWhileAvailable, type Availability } from "./availability.js";
import type { QueuedTurnGuard } from "./turn-guard.js";

export interface StartTurn {
  readonly sessionId: string;
  readonly mode: TurnMode;
  readonly input: string;
  readonly options: TurnOptions;
  /** Stateless turns: the conversation before `input`, run instead of the session's history, committed nowhere. */
  readonly messages?: TurnJob["messages"];
  /** The caller's tenant (and subject); absent = unscoped (AUTH_MODE=none). */
  readonly scope?: TurnScope;
  /** Whose limits the turn counts against; absent = the scope's tenant. */
  readonly caller?: Caller;
}

export interface TurnOwnership {
  readonly owners: TurnOwners;
  /** How long an owner is remembered: at least the turn's deadline + watchdog grace + event retention. */
  readonly ttlMs: number;
}

export interface CollectedTurn {
  readonly text: string;
  readonly error?: z.infer<typeof ErrorEvent>;
  /** False when the wait ran out before the turn's `done` (its text is then partial). */
  readonly ended: boolean;
}

export interface TurnServiceDeps {
  readonly queue: TurnQueue;
  readonly eventLog: TurnEventLog;
  readonly turnTimeoutMs: number;
  /**
   * Distributed mode: if no runner has ended a turn by its deadline plus this grace (no runner alive, or
   * every runner died), the gateway ends it (error + done) so its clients are never left hanging. The log
   * accepts one `done` only, so this cannot race a runner into a double ending. Undefined = off.
   */
  readonly watchdogGraceMs?: number;
  /** Who started each turn; checked wherever a turn id comes from a client. Default: in this process. */
  readonly ownership?: TurnOwnership;
  /** Where `cancel` goes (the runner executing the turn watches it); undefined = cancelling is not wired. */
  readonly canceller?: TurnCanceller;
  /** ALLOWED_MODELS, the queue bound and the caller's limits, checked before anything is enqueued. */
  readonly admission?: TurnAdmission;
  /** Distributed mode: open streams end (error + done) when Redis is lost instead of hanging. */
  readonly availability?: Availability;
  /** Distributed mode: ends queued turns whose job vanished (Redis restarted without persistence). */
  readonly queuedGuard?: QueuedTurnGuard;
  readonly log?: Logger;
}

/**
 * The gateway's side of a turn: enqueue it, then read its events back from the log. The routes see only
 * this; whether the turn runs in this process (embedded) or on a runner (distributed) is the queue's business.
 */
export class TurnService {
  private readonly watchdogs = new Set<NodeJS.Timeout>();

  private readonly queue: TurnQueue;
  private readonly eventLog: TurnEventLog;
  private readonly turnTimeoutMs: number;
  private readonly watchdogGraceMs: number | undefined;
  private readonly ownership: TurnOwnership;
  private readonly canceller: TurnCanceller | undefined;
  private readonly admission: TurnAdmission | undefined;
  private readonly log: Logger;
  private readonly availability: Availability | undefined;
  private readonly queuedGuard: QueuedTurnGuard | undefined;

  constructor(deps: TurnServiceDeps) {
    this.availability = deps.availability;
    this.queuedGuard = deps.queuedGuard;
    this.queue = deps.queue;
    this.eventLog = deps.eventLog;
    this.turnTimeoutMs = deps.turnTimeoutMs;
    this.watchdogGraceMs = deps.watchdogGraceMs;
    this.ownership = deps.ownership ?? { owners: new InMemoryTurnOwners(), ttlMs: deps.turnTimeoutMs + 15 * 60_000 };
    this.canceller = deps.canceller;
    this.admission = deps.admission;
    this.log = deps.log ?? silentLogger;
  }

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
      ...(turn.scope?.tenant !== undefined ? { tenant: turn.scope.tenant } : {}),
      ...(turn.scope?.subject !== undefined ? { subject: turn.scope.subject } : {}),
    };
    await this.admission?.admit(job, turn.caller ?? { bucket: turn.scope?.tenant !== undefined ? `t.${turn.scope.tenant}` : "-" });
    try {
      // Owner first: a client that follows its turn at once must never see a 404.
      await this.ownership.owners.claim(job.turn_id, scopeId(turn.scope ?? {}), this.ownership.ttlMs);
      await this.queue.enqueue(job);
      this.queuedGuard?.track(job);
    } catch (err) {
      await this.admission?.release(job.turn_id);
      // The embedded queue's own bound (a race past the admission's look at its backlog).
      throw err instanceof QueueFullError ? queueFullError() : err;
    }
    if (this.watchdogGraceMs !== undefined) this.watch(job);
    return job;
  }

  private watch(job: TurnJob): void {
    const timer = setTimeout(() => {
      this.watchdogs.delete(timer);
      const endTurn = async (): Promise<void> => {
        const ended = await this.eventLog.append(job.turn_id, { event: "error", data: "no runner finished the turn in time", code: "timeout" });
        if (ended !== undefined) await this.eventLog.append(job.turn_id, { event: "done", data: job.session_id });
      };
      void bestEffort(endTurn(), this.log.child({ turn_id: job.turn_id }), "the watchdog ending an overdue turn");
    }, job.deadline_at - Date.now() + (this.watchdogGraceMs ?? 0));
    timer.unref();
    this.watchdogs.add(timer);
  }

  close(): void {
    this.queuedGuard?.close();
    for (const t of this.watchdogs) clearTimeout(t);
    this.watchdogs.clear();
  }

  follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    if (this.availability === undefined) return this.eventLog.follow(turnId, afterId, signal);
    return followWhileAvailable((s) => this.eventLog.follow(turnId, afterId, s), signal, this.availability, this.queuedGuard?.sessionOf(turnId), afterId);
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

  /**
   * Whether `scope` may see this turn: it exists and this scope started it. Another tenant's turn and a turn
   * that never existed are the same `false`, reached by the same two lookups (run together either way).
   */
  async visible(turnId: string, scope: TurnScope): Promise<boolean> {
    const [exists, owner] = await Promise.all([this.eventLog.exists(turnId), this.ownership.owners.ownerOf(turnId)]);
    return exists && owner === scopeId(scope);
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
