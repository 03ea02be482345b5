import type { MultitaskStrategy, TurnJob } from "@acb/schemas";
import type { SessionAdmission, SessionTurns, SessionTurnsOptions } from "./types.js";

interface SessionRecord {
  active: { turnId: string; expiresAt: number } | undefined;
  waiting: TurnJob[];
}

/** Embedded mode's session order: the same rules as the Redis scripts, in one process (no await inside an operation). */
export class InMemorySessionTurns implements SessionTurns {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly turnSessions = new Map<string, { sessionKey: string; expiresAt: number }>();
  private submitsSinceSweep = 0;

  constructor(
    private readonly options: SessionTurnsOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async submit(sessionKey: string, job: TurnJob, strategy: MultitaskStrategy): Promise<SessionAdmission> {
    this.sweepTurns();
    this.turnSessions.set(job.turn_id, { sessionKey, expiresAt: job.deadline_at + this.options.graceMs });
    const record = this.sessions.get(sessionKey) ?? { active: undefined, waiting: [] };
    this.sessions.set(sessionKey, record);
    const active =
      record.active !== undefined && record.active.expiresAt > this.now() ? record.active.turnId : undefined;
    if (active === undefined) {
      const head = record.waiting.shift();
      if (head === undefined) {
        record.active = this.claim(job);
        return { status: "run" };
      }
      record.active = this.claim(head);
      record.waiting.push(job);
      return { status: "queued", active: head.turn_id, promoted: head };
    }
    if (strategy === "reject") return { status: "busy", active };
    if (strategy === "interrupt" || strategy === "rollback") record.waiting.unshift(job);
    else record.waiting.push(job);
    return { status: "queued", active };
  }

  async finish(sessionKey: string, turnId: string): Promise<TurnJob | undefined> {
    const record = this.sessions.get(sessionKey);
    if (record === undefined) return undefined;
    if (record.active?.turnId !== turnId || record.active.expiresAt <= this.now()) {
      this.remove(record, turnId);
      this.forgetIfIdle(sessionKey, record);
      return undefined;
    }
    const next = record.waiting.shift();
    record.active = next !== undefined ? this.claim(next) : undefined;
    this.forgetIfIdle(sessionKey, record);
    return next;
  }

  async withdraw(sessionKey: string, turnId: string): Promise<TurnJob | undefined> {
    const record = this.sessions.get(sessionKey);
    return record !== undefined ? this.remove(record, turnId) : undefined;
  }

  async active(sessionKey: string): Promise<string | undefined> {
    const active = this.sessions.get(sessionKey)?.active;
    return active !== undefined && active.expiresAt > this.now() ? active.turnId : undefined;
  }

  async sessionOf(turnId: string): Promise<string | undefined> {
    const entry = this.turnSessions.get(turnId);
    return entry !== undefined && entry.expiresAt > this.now() ? entry.sessionKey : undefined;
  }

  async close(): Promise<void> {
    this.sessions.clear();
    this.turnSessions.clear();
  }

  private claim(job: TurnJob): { turnId: string; expiresAt: number } {
    return { turnId: job.turn_id, expiresAt: job.deadline_at + this.options.graceMs };
  }

  private remove(record: SessionRecord, turnId: string): TurnJob | undefined {
    const at = record.waiting.findIndex((j) => j.turn_id === turnId);
    return at < 0 ? undefined : record.waiting.splice(at, 1)[0];
  }

  private forgetIfIdle(sessionKey: string, record: SessionRecord): void {
    if (record.active === undefined && record.waiting.length === 0) this.sessions.delete(sessionKey);
  }

  /** Keeps the turn → session map bounded by the turns that can still be cancelled. */
  private sweepTurns(): void {
    if (++this.submitsSinceSweep < 1_000) return;
    this.submitsSinceSweep = 0;
    const now = this.now();
    for (const [id, entry] of this.turnSessions) if (entry.expiresAt <= now) this.turnSessions.delete(id);
  }
}
