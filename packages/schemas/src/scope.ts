import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * Who a turn, a session's history and a turn's events belong to. Set by the gateway from the caller's
 * identity (AUTH_MODE api_key / jwt); absent in AUTH_MODE=none, where everything stays unscoped exactly as
 * before (keys unchanged, so existing data and the seed's curl examples keep working).
 */
export const Tenant = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(128, { error: "must be at most 128 characters" })
  .regex(/^[\x21-\x7E]+$/, { error: "must be printable ASCII without spaces" });

/** The caller's subject (JWT `sub`, or an API key's name); scopes sessions further when SESSION_SCOPE=subject. */
export const Subject = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(256, { error: "must be at most 256 characters" });

export interface TurnScope {
  readonly tenant?: string | undefined;
  readonly subject?: string | undefined;
}

/** The owner of everything unscoped (AUTH_MODE=none). */
export const UNSCOPED = "-";

/**
 * A short opaque id of a scope: a hash, so any tenant or subject string (a `:` or braces in a JWT claim
 * included) makes a key that is safe in Redis and cannot collide with another scope's keys.
 */
export function scopeId(scope: TurnScope): string {
  if (scope.tenant === undefined) return UNSCOPED;
  const digest = createHash("sha256")
    .update(JSON.stringify([scope.tenant, scope.subject ?? null]))
    .digest("base64url");
  return `t.${digest.slice(0, 22)}`;
}

/** History keys hold at most this many characters (packages/history validates session ids to it). */
const MAX_SESSION_KEY = 128;

/**
 * The history session key of a client's session id within a scope: the session id itself when unscoped,
 * otherwise `t.<scope id>:<session id>` (a session id too long for that is replaced by `h.<its hash>`). One
 * function for the gateway and every runner, so both sides of a turn read and commit the same conversation;
 * another tenant's `session_id` is another, empty, conversation.
 */
export function scopedSessionKey(sessionId: string, scope: TurnScope): string {
  const id = scopeId(scope);
  if (id === UNSCOPED) return sessionId;
  const key = `${id}:${sessionId}`;
  return key.length <= MAX_SESSION_KEY ? key : `${id}:h.${createHash("sha256").update(sessionId).digest("base64url")}`;
}
