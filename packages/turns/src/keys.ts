/**
 * Redis key layout of the turn protocol. Every key of one turn carries the turn id as a hash tag, so a
 * turn's keys share a Redis Cluster slot (the append script touches two keys atomically).
 */
export interface TurnKeys {
  readonly events: string;
  /** Pub/Sub channel on which each appended entry is published for live fan-out. */
  readonly live: string;
  readonly ended: string;
  readonly cancelled: string;
  /** Redis Cluster: the turn's own (sharded) cancel channel; on one Redis all turns share `cancelChannel`. */
  readonly cancelLive: string;
  /** The limits' concurrency slot the turn holds (limits/). */
  readonly slot: string;
  /** The limits' queued place the turn holds until a runner starts it (limits/). */
  readonly queued: string;
  /** The steps the turn completed (model responses, tool results), for a runner that takes it over (journal/). */
  readonly journal: string;
  /** The scope (tenant, subject) that started the turn (owners/). */
  readonly owner: string;
  /** The session the turn belongs to (sessions/). */
  readonly session: string;
}

export function turnKeys(prefix: string, turnId: string): TurnKeys {
  const base = `${prefix}turn:{${turnId}}`;
  return {
    events: `${base}:events`,
    live: `${base}:live`,
    ended: `${base}:ended`,
    cancelled: `${base}:cancelled`,
    cancelLive: `${base}:cancel`,
    slot: `${base}:slot`,
    queued: `${base}:queued`,
    journal: `${base}:journal`,
    owner: `${base}:owner`,
    session: `${base}:session`,
  };
}

export function cancelChannel(prefix: string): string {
  return `${prefix}turn-cancel`;
}

/** BullMQ's own prefix, hash-tagged so all of the queue's keys live in one slot, as BullMQ requires on Cluster. */
export function queuePrefix(prefix: string): string {
  return `{${prefix}bull}`;
}

export const TURN_QUEUE_NAME = "turns";

/** How long an open turn's keys live when nobody ends it (a safety net: every turn normally ends with `done`). */
export const OPEN_TURN_TTL_MS = 24 * 3600_000;
