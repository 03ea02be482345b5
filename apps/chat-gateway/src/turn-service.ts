import {
  scopeId,
  type ErrorEvent,
  type LoggedTurnEvent,
  type MultitaskStrategy,
  type TurnJob,
  type TurnMode,
  type TurnOptions,
  type TurnScope,
} from "@acb/schemas";
import { bestEffort, silentLogger, type Logger } from "@acb/logger";
import {
  compareEntryIds,
  handOnSession,
  InMemoryTurnOwners,
  isSessionOrdered,
  newTurnId,
  QueueFullError,
  sessionKeyOf,
  tap,
  type CancelMode,
  type SessionTurns,
  type TapHooks,
  type TurnCanceller,
  type TurnEventLog,
  type TurnOwners,
  type TurnQueue,
} from "@acb/turns";
import { ApiError } from "./http/errors.js";
import { DisconnectCancels } from "./turn-followers.js";
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
  /** What to do when the session already runs a turn (default `enqueue`); stateless turns ignore it. */
  readonly multitaskStrategy?: MultitaskStrategy | null | undefined;
  /** Cancel the turn (interrupt) when its last follower on this gateway goes away. */
  readonly cancelOnDisconnect?: boolean | null | undefined;
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
  /** One turn at a time per session (the session's next turn is handed to the queue when one ends); undefined = no ordering. */
  readonly sessions?: SessionTurns;
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
  private readonly sessions: SessionTurns | undefined;
  private readonly disconnectCancels: DisconnectCancels;
  private readonly drainController = new AbortController();
  private accepting = true;
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
    this.sessions = deps.sessions;
    this.log = deps.log ?? silentLogger;
    // A stream closed by the gateway's drain is not a client leaving: its client resumes on another gateway.
    this.disconnectCancels = new DisconnectCancels(
      (turnId) => this.cancel(turnId),
      this.log,
      () => this.draining.aborted,
    );
  }

  async start(turn: StartTurn): Promise<TurnJob> {
    // A draining gateway starts nothing new: the client sends it again, and the load balancer picks another replica.
    if (!this.accepting) throw new ApiError(503, "not_ready", "this gateway is shutting down; send the request again");
    const now = Date.now();
    const historyMaxBytes = turn.caller?.keyLimits?.history_max_bytes;
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
      // Only from the caller's API key (API_KEYS_FILE), never from the request: the runner commits under it.
      ...(historyMaxBytes !== undefined ? { history_max_bytes: historyMaxBytes } : {}),
    };
    await this.admission?.admit(
      job,
      turn.caller ?? { bucket: turn.scope?.tenant !== undefined ? `t.${turn.scope.tenant}` : "-" },
    );
    try {
      if (this.sessions !== undefined && isSessionOrdered(job)) {
        // The session decides first (a rejected turn leaves nothing behind); the owner is recorded before the
        // caller learns the turn id, so a client that follows its turn at once never sees a 404.
        const strategy = turn.multitaskStrategy ?? "enqueue";
        const admitted = await this.sessions.submit(sessionKeyOf(job), job, strategy);
        if (admitted.status === "busy") {
          throw new ApiError(409, "conflict", "the session is already running a turn (multitask_strategy is reject)", [
            { field: "running_turn_id", message: admitted.active },
          ]);
        }
        await this.ownership.owners.claim(job.turn_id, scopeId(turn.scope ?? {}), this.ownership.ttlMs);
        if (turn.cancelOnDisconnect === true) this.disconnectCancels.track(job.turn_id, this.turnTimeoutMs);
        if (admitted.status === "run") {
          await this.queue.enqueue(job);
          this.queuedGuard?.track(job);
        } else {
          // Waiting behind the session's active turn: no job exists yet, so the queued-turn guard must not watch it.
          if (admitted.promoted !== undefined) await this.queue.enqueue(admitted.promoted);
          if (strategy === "interrupt" || strategy === "rollback")
            await this.canceller?.cancel(admitted.active, strategy === "rollback" ? "rollback" : "interrupt");
        }
      } else {
        // Owner first: a client that follows its turn at once must never see a 404.
        await this.ownership.owners.claim(job.turn_id, scopeId(turn.scope ?? {}), this.ownership.ttlMs);
        if (turn.cancelOnDisconnect === true) this.disconnectCancels.track(job.turn_id, this.turnTimeoutMs);
        await this.queue.enqueue(job);
        this.queuedGuard?.track(job);
      }
    } catch (err) {
      await this.admission?.release(job.turn_id);
      // The embedded queue's own bound (a race past the admission's look at its backlog).
      throw err instanceof QueueFullError ? queueFullError() : err;
    }
    if (this.watchdogGraceMs !== undefined) this.watch(job);
    return job;
  }

  private watch(job: TurnJob): void {
    const timer = setTimeout(
      () => {
        this.watchdogs.delete(timer);
        const endTurn = async (): Promise<void> => {
          const ended = await this.eventLog.append(job.turn_id, {
            event: "error",
            data: "no runner finished the turn in time",
            code: "timeout",
          });
          if (ended !== undefined) await this.eventLog.append(job.turn_id, { event: "done", data: job.session_id });
          // Whoever should have ended it is gone: its session must not wait for it any longer.
          if (this.sessions !== undefined)
            await handOnSession(job, { sessions: this.sessions, queue: this.queue, log: this.log });
        };
        void bestEffort(endTurn(), this.log.child({ turn_id: job.turn_id }), "the watchdog ending an overdue turn");
      },
      job.deadline_at - Date.now() + (this.watchdogGraceMs ?? 0),
    );
    timer.unref();
    this.watchdogs.add(timer);
  }

  /** Aborts when the gateway drains (SIGTERM in distributed mode): open turn streams tell their clients to reconnect. */
  get draining(): AbortSignal {
    return this.drainController.signal;
  }

  /** Drain, step 1: new turns are refused (503); open streams go on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Drain, step 2: open turn streams are told to reconnect elsewhere and closed. */
  drain(): void {
    this.drainController.abort();
  }

  close(): void {
    this.queuedGuard?.close();
    for (const t of this.watchdogs) clearTimeout(t);
    this.watchdogs.clear();
  }

  follow(turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> {
    const events =
      this.availability === undefined
        ? this.eventLog.follow(turnId, afterId, signal)
        : followWhileAvailable(
            (from, s) => this.eventLog.follow(turnId, from, s),
            signal,
            this.availability,
            this.queuedGuard?.sessionOf(turnId),
            afterId,
          );
    return this.counted(
      this.disconnectCancels.tracks(turnId) ? this.disconnectCancels.follow(turnId, events, signal) : events,
    );
  }

  /** Streams (SSE, WebSocket, waiting JSON requests) following a turn through this gateway right now. */
  get openFollowers(): number {
    return this.followers;
  }

  private followers = 0;

  /** One hooks object for every follower (a tap, not a generator layer: it stays with every idle open stream). */
  private readonly followerCount: TapHooks<LoggedTurnEvent> = {
    onStart: () => void (this.followers += 1),
    onEnd: () => void (this.followers -= 1),
  };

  private counted(events: AsyncIterable<LoggedTurnEvent>): AsyncIterable<LoggedTurnEvent> {
    return tap(events, this.followerCount);
  }

  /**
   * Asks whoever runs the turn to stop it: it ends with `error` (code `cancelled`) then `done`; with
   * `interrupt` what its clients saw stays in history (marked interrupted), with `rollback` nothing does.
   * A turn still waiting behind its session's active turn is taken off the line and ended here at once.
   * Idempotent; false when cancelling is not wired.
   */
  async cancel(turnId: string, mode: CancelMode = "interrupt"): Promise<boolean> {
    if (this.canceller === undefined) return false;
    // The key first: a turn that starts right after this still sees it.
    await this.canceller.cancel(turnId, mode);
    const sessionKey = await this.sessions?.sessionOf(turnId);
    const withdrawn = sessionKey !== undefined ? await this.sessions?.withdraw(sessionKey, turnId) : undefined;
    if (withdrawn !== undefined) {
      // Off the line: no runner will ever take it, so its clients hear the end from here, and what it held of the
      // caller's limits (a concurrency slot, a queued place) is given back now rather than at its deadline.
      if (this.admission !== undefined)
        await bestEffort(
          this.admission.release(turnId),
          this.log.child({ turn_id: turnId }),
          "freeing a withdrawn turn's limits",
        );
      const ended = await this.eventLog.append(turnId, {
        event: "error",
        data: "the turn was cancelled",
        code: "cancelled",
      });
      if (ended !== undefined) await this.eventLog.append(turnId, { event: "done", data: withdrawn.session_id });
    }
    return true;
  }

  /**
   * Whether a follower that already saw `lastEventId` has seen the turn's `done` (a standard EventSource
   * reconnects after every close: it is answered 204, which stops it).
   */
  async followerFinished(turnId: string, lastEventId: string): Promise<boolean> {
    if (lastEventId === "0") return false;
    if ((await this.eventLog.read(turnId, lastEventId, 1)).length > 0) return false;
    const done = (await this.eventLog.read(turnId, "0")).find((e) => e.event.event === "done");
    return done !== undefined && compareEntryIds(done.id, lastEventId) <= 0;
  }

  /** Every event logged so far for the turn, oldest first (resume points, "is it still running?"). */
  events(turnId: string): Promise<LoggedTurnEvent[]> {
    return this.eventLog.read(turnId, "0");
  }

  exists(turnId: string): Promise<boolean> {
    return this.eventLog.exists(turnId);
  }

  /**
   * Whether a turn that has logged nothing is still to come: its job is queued or running, or it waits behind its
   * session's active turn. False for a turn whose events expired (its owner record outlives them), so a follower
   * gets a 404 instead of a stream that would never end. A queue that cannot tell counts as pending.
   */
  async pending(turnId: string): Promise<boolean> {
    if (this.queue.has === undefined || (await this.queue.has(turnId))) return true;
    // Not queued: it may wait behind its session's active turn (another one; it joins the queue when that ends).
    const sessionKey = await this.sessions?.sessionOf(turnId);
    const active = sessionKey !== undefined ? await this.sessions?.active(sessionKey) : undefined;
    return active !== undefined && active !== turnId;
  }

  /**
   * Whether `scope` may see this turn: this scope started it (the ownership record outlives the turn's
   * deadline and its events' retention, so a turn still queued, with no event yet, is visible). Another
   * tenant's turn and a turn that never existed are the same `false`, from the same one lookup.
   */
  async visible(turnId: string, scope: TurnScope): Promise<boolean> {
    return (await this.ownership.owners.ownerOf(turnId)) === scopeId(scope);
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

export function turnOptions(req: {
  model?: string | null | undefined;
  temperature?: number | null | undefined;
}): TurnOptions {
  return {
    ...(req.model != null ? { model: req.model } : {}),
    ...(req.temperature != null ? { temperature: req.temperature } : {}),
  };
}

/** The turn control fields of a request (multitask_strategy, cancel_on_disconnect), as `StartTurn` takes them. */
export function turnControl(req: {
  multitask_strategy?: MultitaskStrategy | null | undefined;
  cancel_on_disconnect?: boolean | null | undefined;
}): Pick<StartTurn, "multitaskStrategy" | "cancelOnDisconnect"> {
  return {
    ...(req.multitask_strategy != null ? { multitaskStrategy: req.multitask_strategy } : {}),
    ...(req.cancel_on_disconnect != null ? { cancelOnDisconnect: req.cancel_on_disconnect } : {}),
  };
}
