import { TurnJob, type MultitaskStrategy } from "@acb/schemas";
import { turnKeys } from "../keys.js";
import type { RedisClient } from "../redis-connection.js";
import { readFileSync } from "node:fs";
import type { SessionAdmission, SessionTurns, SessionTurnsOptions } from "./types.js";

/** The scripts (see their headers for KEYS/ARGV); read from the package, next to this module, in src and dist. */
const SUBMIT_SCRIPT = readFileSync(new URL("./submit.lua", import.meta.url), "utf8");
const SETTLE_SCRIPT = readFileSync(new URL("./settle.lua", import.meta.url), "utf8");

interface SessionCommands {
  acbSessionSubmit(
    activeKey: string,
    waitingKey: string,
    job: string,
    strategy: string,
    graceMs: number,
  ): Promise<[string, string, string?]>;
  acbSessionSettle(
    activeKey: string,
    waitingKey: string,
    turnId: string,
    graceMs: number,
    how: "finish" | "withdraw",
  ): Promise<string | number | null>;
}

/**
 * Keys of one session's turn order. The session key is the hash tag, so both keys of a session share a Redis
 * Cluster slot (the scripts touch both atomically).
 */
export function sessionTurnKeys(prefix: string, sessionKey: string): { active: string; waiting: string } {
  const base = `${prefix}session:{${sessionKey}}`;
  return { active: `${base}:active`, waiting: `${base}:waiting` };
}

/** Distributed mode's session order: two Lua scripts over a string and a list per session, shared by every gateway and runner. */
export class RedisSessionTurns implements SessionTurns {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly options: SessionTurnsOptions,
  ) {
    if (!("acbSessionSubmit" in redis))
      redis.defineCommand("acbSessionSubmit", { numberOfKeys: 2, lua: SUBMIT_SCRIPT });
    if (!("acbSessionSettle" in redis))
      redis.defineCommand("acbSessionSettle", { numberOfKeys: 2, lua: SETTLE_SCRIPT });
  }

  private get commands(): SessionCommands {
    return this.redis as unknown as SessionCommands;
  }

  /** `<prefix>turn:{<turn id>}:session`, hash-tagged like the turn's other keys. */
  turnSessionKey(turnId: string): string {
    return turnKeys(this.prefix, turnId).session;
  }

  async submit(sessionKey: string, job: TurnJob, strategy: MultitaskStrategy): Promise<SessionAdmission> {
    const keys = sessionTurnKeys(this.prefix, sessionKey);
    const ttl = Math.max(1, job.deadline_at - Date.now() + this.options.graceMs);
    await this.redis.set(this.turnSessionKey(job.turn_id), sessionKey, "PX", ttl);
    const [status, active = "", promoted] = await this.commands.acbSessionSubmit(
      keys.active,
      keys.waiting,
      JSON.stringify(job),
      strategy,
      this.options.graceMs,
    );
    if (status === "run") return { status: "run" };
    if (status === "busy") return { status: "busy", active };
    return promoted !== undefined
      ? { status: "queued", active, promoted: TurnJob.parse(JSON.parse(promoted)) }
      : { status: "queued", active };
  }

  finish(sessionKey: string, turnId: string): Promise<TurnJob | undefined> {
    return this.settle(sessionKey, turnId, "finish");
  }

  withdraw(sessionKey: string, turnId: string): Promise<TurnJob | undefined> {
    return this.settle(sessionKey, turnId, "withdraw");
  }

  /** One script for both: `finish` answers the job it promoted, `withdraw` the job it removed. */
  private async settle(sessionKey: string, turnId: string, how: "finish" | "withdraw"): Promise<TurnJob | undefined> {
    const keys = sessionTurnKeys(this.prefix, sessionKey);
    const job = await this.commands.acbSessionSettle(keys.active, keys.waiting, turnId, this.options.graceMs, how);
    return typeof job === "string" ? TurnJob.parse(JSON.parse(job)) : undefined;
  }

  async active(sessionKey: string): Promise<string | undefined> {
    return (await this.redis.get(sessionTurnKeys(this.prefix, sessionKey).active)) ?? undefined;
  }

  async sessionOf(turnId: string): Promise<string | undefined> {
    return (await this.redis.get(this.turnSessionKey(turnId))) ?? undefined;
  }

  /** The connection belongs to the caller. */
  async close(): Promise<void> {}
}
