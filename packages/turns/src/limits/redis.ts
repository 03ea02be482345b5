import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { turnKeys } from "../keys.js";
import type { RedisClient } from "../redis-connection.js";
import { admissionOf, exceededLimit, CONCURRENCY_RETRY_CAP_MS, RATE_WINDOW_MS } from "./types.js";
import type { Admission, AdmitRequest, TurnLimits } from "./types.js";

/** Read once, beside this module in src and in dist (the package build copies the .lua files). */
const ADMIT_LUA = readFileSync(new URL("./admit.lua", import.meta.url), "utf8");

type AdmitReply = [string, string, number, string, number, string, number, string];
interface LimitScripts {
  acbLimitsAdmit(rateKey: string, activeKey: string, ...args: (string | number)[]): Promise<AdmitReply>;
}

/**
 * Distributed mode's limits: per bucket a HASH of GCRA state and a ZSET of running turns scored by their
 * deadline, both hash-tagged by the bucket (one Cluster slot, one script). Which bucket a running turn belongs
 * to is remembered under the turn's own tag, so the runner that ends it can release the slot by turn id.
 */
export class RedisTurnLimits implements TurnLimits {
  private readonly scripts: LimitScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    if (!("acbLimitsAdmit" in redis)) redis.defineCommand("acbLimitsAdmit", { numberOfKeys: 2, lua: ADMIT_LUA });
    this.scripts = redis as unknown as LimitScripts;
  }

  /** Bucket names are client-influenced (tenant names): hashed, so any name is one safe hash tag. */
  bucketKeys(bucket: string): { rate: string; active: string } {
    const tag = createHash("sha256").update(bucket).digest("base64url").slice(0, 22);
    return { rate: `${this.prefix}limits:{${tag}}:rate`, active: `${this.prefix}limits:{${tag}}:active` };
  }

  slotKey(turnId: string): string {
    return turnKeys(this.prefix, turnId).slot;
  }

  async admit(req: AdmitRequest): Promise<Admission> {
    const keys = this.bucketKeys(req.bucket);
    const { turnsPerMinute = 0, inputCharsPerMinute = 0, maxConcurrent = 0 } = req.policy;
    const [exceeded, retry, tRem, tReset, cRem, cReset, running, earliest] = await this.scripts.acbLimitsAdmit(
      keys.rate,
      keys.active,
      req.turnId,
      req.deadlineAt,
      req.inputChars,
      turnsPerMinute,
      inputCharsPerMinute,
      maxConcurrent,
      RATE_WINDOW_MS,
      CONCURRENCY_RETRY_CAP_MS,
    );
    if (exceeded === "" && maxConcurrent > 0) {
      await this.redis.set(
        this.slotKey(req.turnId),
        keys.active,
        "PX",
        Math.max(1, req.deadlineAt - Date.now() + 60_000),
      );
    }
    return admissionOf(
      {
        turns:
          turnsPerMinute > 0 ? { limit: turnsPerMinute, remaining: Number(tRem), resetMs: Number(tReset) } : undefined,
        input_chars:
          inputCharsPerMinute > 0
            ? { limit: inputCharsPerMinute, remaining: Number(cRem), resetMs: Number(cReset) }
            : undefined,
        concurrent:
          maxConcurrent > 0
            ? {
                limit: maxConcurrent,
                remaining: Math.max(0, maxConcurrent - Number(running)),
                resetMs: Number(earliest),
              }
            : undefined,
      },
      exceededLimit(exceeded),
      Number(retry),
    );
  }

  async release(turnId: string): Promise<void> {
    const slot = this.slotKey(turnId);
    const active = await this.redis.get(slot);
    if (active === null) return;
    await Promise.all([this.redis.zrem(active, turnId), this.redis.del(slot)]);
  }

  /** The connection belongs to the caller. */
  async close(): Promise<void> {}
}
