import type { BaseMessage } from "@langchain/core/messages";
import { entriesOverBytes } from "./bounds.js";
import { decodeMessages } from "./codec.js";
import { turnMarkerCap, validateSessionId, validateTurnId } from "./options.js";
import { ChatHistoryStoreBase } from "./store-base.js";
import type { CommitOptions } from "./store.js";

interface SessionRecord {
  /** Encoded messages (JSON), so callers cannot mutate what is stored and both adapters share one codec. */
  entries: string[];
  /** Committed turn ids, oldest first (Set keeps insertion order). */
  turns: Set<string>;
  /** Epoch ms, or undefined for no expiry. */
  expiresAt: number | undefined;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Process-local history for embedded mode and tests. Same semantics as the Redis adapter: cap, TTL after the
 * last write (checked lazily on access, plus a periodic sweep on writes), idempotent commitTurn.
 */
export class InMemoryChatHistoryStore extends ChatHistoryStoreBase {
  private readonly sessions = new Map<string, SessionRecord>();
  private lastSweep = Date.now();

  async getMessages(sessionId: string): Promise<BaseMessage[]> {
    const record = this.live(validateSessionId(sessionId));
    return record ? decodeMessages(record.entries.slice(-this.options.maxMessages)) : [];
  }

  async commitTurn(
    sessionId: string,
    turnId: string,
    messages: BaseMessage[],
    options?: CommitOptions,
  ): Promise<boolean> {
    const sid = validateSessionId(sessionId);
    const tid = validateTurnId(turnId);
    const maxBytes = this.maxBytesOf(options);
    const encoded = this.encode(messages);
    // No await between the check and the write: atomic with respect to other calls in this process.
    const record = this.live(sid);
    if (record?.turns.has(tid)) return false;
    const target = record ?? this.create(sid);
    this.push(target, encoded, maxBytes);
    target.turns.add(tid);
    const markerCap = turnMarkerCap(this.options);
    for (const old of target.turns) {
      if (target.turns.size <= markerCap) break;
      target.turns.delete(old);
    }
    return true;
  }

  async clear(sessionId: string): Promise<void> {
    this.sessions.delete(validateSessionId(sessionId));
  }

  async ping(): Promise<boolean> {
    return true;
  }

  /** A plain append (same cap and expiry), for the LangChain view; turns go through `commitTurn`. */
  async appendMessages(sessionId: string, messages: BaseMessage[]): Promise<void> {
    const sid = validateSessionId(sessionId);
    const encoded = this.encode(messages);
    this.push(this.live(sid) ?? this.create(sid), encoded, this.options.maxBytes);
  }

  private push(record: SessionRecord, encoded: string[], maxBytes: number): void {
    record.entries.push(...encoded);
    const excess = record.entries.length - this.options.maxMessages;
    if (excess > 0) record.entries.splice(0, excess);
    const over = entriesOverBytes(record.entries, maxBytes);
    if (over > 0) record.entries.splice(0, over);
    const now = Date.now();
    record.expiresAt = this.options.ttlSeconds > 0 ? now + this.options.ttlSeconds * 1000 : undefined;
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now);
  }

  private create(sessionId: string): SessionRecord {
    const record: SessionRecord = { entries: [], turns: new Set(), expiresAt: undefined };
    this.sessions.set(sessionId, record);
    return record;
  }

  /** The session's record unless absent or expired (expired ones are dropped). */
  private live(sessionId: string): SessionRecord | undefined {
    const record = this.sessions.get(sessionId);
    if (record === undefined) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt <= Date.now()) {
      this.sessions.delete(sessionId);
      return undefined;
    }
    return record;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [sid, record] of this.sessions) {
      if (record.expiresAt !== undefined && record.expiresAt <= now) this.sessions.delete(sid);
    }
  }
}
