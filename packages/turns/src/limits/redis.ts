import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { turnKeys } from "../keys.js";
import type { RedisClient } from "../redis-connection.js";
import { admissionOf, exceededLimit, heldReading, CONCURRENCY_RETRY_CAP_MS, RATE_WINDOW_MS } from "./types.js";
import type { Admission, AdmitRequest, TurnLimits } from "./types.js";

/** Read once, beside this module in src and in dist (the package build copies the .lua files). */
const ADMIT_LUA = readFileSync(new URL("./admit.lua", import.meta.url), "utf8");

type AdmitReply = [string, string, number, string, number, string, number, string, number, string];
interface LimitScripts {
  acbLimitsAdmit(
    rateKey: string,
    activeKey: string,
    queuedKey: string,
    ...args: (string | number)[]
  ): Promise<AdmitReply>;
}

/**
 * Distributed mode's limits: per bucket a HASH of GCRA state, a ZSET of running turns and a ZSET of queued
 * (not yet started) turns, both scored by their deadline, all hash-tagged by the bucket (one Cluster slot, one
 * script). Which bucket a turn's slot and queued place belong to is remembered under the turn's own tag, so the
 * runner that starts or ends it can free them by turn id.
 */
export class RedisTurnLimits implements TurnLimits {
  private readonly scripts: LimitScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    if (!("acbLimitsAdmit" in redis)) redis.defineCommand("acbLimitsAdmit", { numberOfKeys: 3, lua: ADMIT_LUA });
    this.scripts = redis as unknown as LimitScripts;
  }

  /** Bucket names are client-influenced (tenant names): hashed, so any name is one safe hash tag. */
  bucketKeys(bucket: string): { rate: string; active: string; queued: string } {
    const tag = createHash("sha256").update(bucket).digest("base64url").slice(0, 22);
    const base = `${this.prefix}limits:{${tag}}`;
    return { rate: `${base}:rate`, active: `${base}:active`, queued: `${base}:queued` };
  }

  slotKey(turnId: string): string {
    return turnKeys(this.prefix, turnId).slot;
  }

  /** Where the turn's queued place is (the bucket's queued ZSET), while it has one. */
  queuedPlaceKey(turnId: string): string {
    return turnKeys(this.prefix, turnId).queued;
  }

  async admit(req: AdmitRequest): Promise<Admission> {
    const keys = this.bucketKeys(req.bucket);
    const { turnsPerMinute = 0, inputCharsPerMinute = 0, maxConcurrent = 0, maxQueued = 0 } = req.policy;
    const [exceeded, retry, tRem, tReset, cRem, cReset, running, earliest, queued, earliestQueued] =
      await this.scripts.acbLimitsAdmit(
        keys.rate,
        keys.active,
        keys.queued,
        req.turnId,
        req.deadlineAt,
        req.inputChars,
        turnsPerMinute,
        inputCharsPerMinute,
        maxConcurrent,
        RATE_WINDOW_MS,
        CONCURRENCY_RETRY_CAP_MS,
        maxQueued,
      );
    // Remembered before the turn is enqueued (the caller enqueues after admit), so a runner always finds them.
    const keep = Math.max(1, req.deadlineAt - Date.now() + 60_000);
    if (exceeded === "")
      await Promise.all([
        maxConcurrent > 0 ? this.redis.set(this.slotKey(req.turnId), keys.active, "PX", keep) : undefined,
        maxQueued > 0 ? this.redis.set(this.queuedPlaceKey(req.turnId), keys.queued, "PX", keep) : undefined,
      ]);
    return admissionOf(
      {
        turns:
          turnsPerMinute > 0 ? { limit: turnsPerMinute, remaining: Number(tRem), resetMs: Number(tReset) } : undefined,
        input_chars:
          inputCharsPerMinute > 0
            ? { limit: inputCharsPerMinute, remaining: Number(cRem), resetMs: Number(cReset) }
            : undefined,
        concurrent: maxConcurrent > 0 ? heldReading(maxConcurrent, Number(running), Number(earliest)) : undefined,
        queued: maxQueued > 0 ? heldReading(maxQueued, Number(queued), Number(earliestQueued)) : undefined,
      },
      exceededLimit(exceeded),
      Number(retry),
    );
  }

  async release(turnId: string): Promise<void> {
    await Promise.all([this.free(this.slotKey(turnId), turnId), this.started(turnId)]);
  }

  async started(turnId: string): Promise<void> {
    await this.free(this.queuedPlaceKey(turnId), turnId);
  }

  /** Removes the turn from the set `place` names (a slot or a queued place), and the place itself. */
  private async free(place: string, turnId: string): Promise<void> {
    const set = await this.redis.get(place);
    if (set === null) return;
    await Promise.all([this.redis.zrem(set, turnId), this.redis.del(place)]);
  }

  /** The connection belongs to the caller. */
  async close(): Promise<void> {}
}
