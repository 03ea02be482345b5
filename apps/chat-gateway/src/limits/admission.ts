import type { TurnJob } from "@acb/schemas";
import type { LimitName, LimitPolicy, LimitState, TurnLimits } from "@acb/turns";
import type { Context } from "hono";
import type { ApiKeyLimits } from "../auth/config.js";
import { ApiError } from "../http/errors.js";
import type { LimitsConfig } from "./config.js";

/** Whose quota a turn counts against: the tenant, or the API key when the key has limits of its own. */
export interface Caller {
  readonly bucket: string;
  readonly keyLimits?: ApiKeyLimits;
}

/** The caller of a request, from the identity the auth middleware set. Unscoped (AUTH_MODE=none): one bucket. */
export function callerOf(c: Context): Caller {
  const identity = c.get("identity");
  if (identity === undefined || identity.via === "none") return { bucket: "-" };
  if (identity.limits !== undefined)
    return { bucket: `k.${identity.tenant}/${identity.subject ?? ""}`, keyLimits: identity.limits };
  return { bucket: `t.${identity.tenant}` };
}

/**
 * Why a request was refused before its turn ran: the `reason` label of `acb_rejections_total` (a closed set, so the
 * metric's cardinality stays bounded). `input_chars` covers both one input over the per-minute budget (413) and the
 * budget spent (429); `queued_turns` is an API key's own max_queued_turns (429; `queue_full` is the global 503);
 * `backlog_full` is the WebSocket's own per-socket bound (routes/ws.ts).
 */
export type RejectionReason =
  "model_not_allowed" | "input_chars" | "queue_full" | "rate_limited" | "concurrency" | "queued_turns" | "backlog_full";

/** Told of every refusal (the gateway counts them); a no-op by default. */
export type OnReject = (reason: RejectionReason) => void;

/**
 * Each limit that can refuse a turn: the reason counted, the words of the 429, and what its RateLimit-Policy item
 * adds after the quota (rates: a 60 s window; concurrency: the quota unit; queued: nothing).
 */
const REFUSALS: Record<LimitName, { reason: RejectionReason; what: string; policySuffix: string }> = {
  turns: { reason: "rate_limited", what: "turns per minute", policySuffix: ";w=60" },
  input_chars: { reason: "input_chars", what: "input characters per minute", policySuffix: ";w=60" },
  concurrent: { reason: "concurrency", what: "turns running at once", policySuffix: ';qu="concurrent-requests"' },
  queued: { reason: "queued_turns", what: "turns waiting for a runner", policySuffix: "" },
};

/** How long a client should wait before a full queue has room again (a guess: turns take seconds). */
const QUEUE_FULL_RETRY_S = 5;

export const queueFullError = (): ApiError =>
  new ApiError(503, "queue_full", "too many turns are waiting; try again shortly", undefined, {
    "Retry-After": String(QUEUE_FULL_RETRY_S),
  });

/** RateLimit-Policy / RateLimit (draft-ietf-httpapi-ratelimit-headers-10, structured-field lists). */
export function rateLimitHeaders(states: readonly LimitState[]): Record<string, string> {
  if (states.length === 0) return {};
  const policy = states.map((s) => `"${s.name}";q=${s.limit}${REFUSALS[s.name].policySuffix}`).join(", ");
  const current = states.map((s) => `"${s.name}";r=${s.remaining};t=${Math.ceil(s.resetMs / 1000)}`).join(", ");
  return { "RateLimit-Policy": policy, RateLimit: current };
}

/**
 * The gateway's gate in front of the queue, in order: the model is allowed (400), the queue has room (503),
 * the caller's limits have room (429: rates, turns running, and an API key's turns waiting). A refusal is an ApiError carrying its headers; nothing is consumed.
 */
export class TurnAdmission {
  constructor(
    private readonly limits: TurnLimits,
    private readonly config: LimitsConfig,
    /** Turns waiting for a runner over all tenants (BullMQ's waiting count, or the in-process backlog). */
    private readonly queueDepth: () => Promise<number>,
    private readonly onReject: OnReject = () => {},
  ) {}

  async admit(job: TurnJob, caller: Caller): Promise<readonly LimitState[]> {
    const allowed = caller.keyLimits?.allowed_models ?? this.config.allowedModels;
    const model = job.options.model;
    if (model !== undefined && allowed !== "*" && !allowed.includes("*") && !allowed.includes(model)) {
      this.onReject("model_not_allowed");
      throw new ApiError(400, "bad_request", "model is not allowed", [
        { field: "model", message: `is not one of the allowed models (${allowed.join(", ")})` },
      ]);
    }
    const policy = this.policyFor(caller);
    if (policy.inputCharsPerMinute !== undefined && job.input.length > policy.inputCharsPerMinute) {
      this.onReject("input_chars");
      throw new ApiError(
        413,
        "payload_too_large",
        `input is longer than the ${policy.inputCharsPerMinute} characters allowed per minute`,
        [{ field: "input", message: "is too long" }],
      );
    }
    if (this.config.maxQueuedTurns !== undefined && (await this.queueDepth()) >= this.config.maxQueuedTurns) {
      this.onReject("queue_full");
      throw queueFullError();
    }
    if (Object.values(policy).every((v) => v === undefined)) return [];
    const admission = await this.limits.admit({
      bucket: caller.bucket,
      turnId: job.turn_id,
      deadlineAt: job.deadline_at,
      inputChars: job.input.length,
      policy,
    });
    if (admission.admitted) return admission.states;
    const refusal = REFUSALS[admission.exceeded];
    this.onReject(refusal.reason);
    throw new ApiError(429, "rate_limited", `rate limit reached: ${refusal.what}`, undefined, {
      "Retry-After": String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))),
      ...rateLimitHeaders(admission.states),
    });
  }

  /** A turn admitted but never enqueued gives its slot back. */
  release(turnId: string): Promise<void> {
    return this.limits.release(turnId);
  }

  private policyFor(caller: Caller): LimitPolicy {
    const key = caller.keyLimits;
    if (key === undefined) return this.config.policy;
    const turnsPerMinute = key.rate_limit_turns_per_minute ?? this.config.policy.turnsPerMinute;
    const maxConcurrent = key.max_concurrent_turns ?? this.config.policy.maxConcurrent;
    const inputCharsPerMinute = this.config.policy.inputCharsPerMinute;
    // The key's own cap on its waiting turns; there is no global per-caller one (MAX_QUEUED_TURNS is over everyone).
    const maxQueued = key.max_queued_turns;
    return {
      ...(turnsPerMinute !== undefined ? { turnsPerMinute } : {}),
      ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
      ...(inputCharsPerMinute !== undefined ? { inputCharsPerMinute } : {}),
      ...(maxQueued !== undefined ? { maxQueued } : {}),
    };
  }
}
