import type { Logger } from "@acb/logger";

/** What an ioredis connection, a BullMQ Queue or a BullMQ Worker looks like to this module. */
export interface StatefulConnection {
  on(event: string, listener: (err: Error) => void): unknown;
}

/** The error's code (ECONNREFUSED, ENOTFOUND, NOAUTH…) or its class: never a stack, never a URL with a password. */
export function connectionErrorCode(err: unknown): string {
  if (err !== null && typeof err === "object") {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    const message = (err as { message?: unknown }).message;
    // ioredis reply errors start with the Redis error code ("NOAUTH Authentication required.").
    if (typeof message === "string") {
      const first = /^([A-Z][A-Z0-9_]{2,30})\b/.exec(message)?.[1];
      if (first !== undefined) return first;
    }
    if (err instanceof Error) return err.name;
  }
  return "unknown";
}

type State = "connecting" | "ready" | "down" | "ended";

const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);

/**
 * Logs a Redis connection's state changes, one line each: `redis ready` (info) when it can take commands,
 * `redis down` (warn, with the error code only) when it is lost or a reconnect fails for a new reason,
 * `redis connection ended` when it gives up or is closed. Reconnect attempts failing for the same reason are
 * not logged again, so an outage is a line or two, not a stack trace per retry. It is also the `error`
 * listener that keeps ioredis and BullMQ from printing their own stack traces. Several emitters (a Queue and
 * the client it shares) may report to one watcher.
 */
export class RedisStateLog {
  private state: State = "connecting";
  private lastCode: string | undefined;
  private attempts = 0;

  constructor(
    private readonly log: Logger,
    private readonly connection: string,
  ) {}

  /** Listens to an ioredis client (ready, error, close, reconnecting, end). */
  watchClient(client: StatefulConnection): this {
    client.on("ready", () => this.ready());
    client.on("error", (err: Error) => this.error(err));
    client.on("close", () => this.closed());
    client.on("reconnecting", () => {
      this.attempts++;
    });
    client.on("end", () => this.ended());
    return this;
  }

  /** Listens to a BullMQ Queue or Worker's `error` event (its connections' errors surface there). */
  watchErrors(emitter: StatefulConnection): this {
    emitter.on("error", (err: Error) => this.error(err));
    return this;
  }

  error(err: unknown): void {
    const code = connectionErrorCode(err);
    if (this.state === "ready" || this.state === "ended") {
      // On a live connection: a connection error is followed by `close`, which logs it; anything else is one
      // command's failure (a script error, NOAUTH on a command), not a state change.
      if (CONNECTION_CODES.has(code)) this.lastCode = code;
      else this.log.warn("redis command error", { connection: this.connection, code });
      return;
    }
    if (code === this.lastCode) return;
    this.lastCode = code;
    this.state = "down";
    this.log.warn("redis down: reconnecting", { connection: this.connection, state: "down", code });
  }

  private ready(): void {
    if (this.state === "ready") return;
    const was = this.state;
    this.state = "ready";
    this.log.info("redis ready", {
      connection: this.connection,
      state: "ready",
      was,
      ...(this.attempts > 0 ? { reconnect_attempts: this.attempts } : {}),
    });
    this.attempts = 0;
    this.lastCode = undefined;
  }

  private closed(): void {
    if (this.state !== "ready") return;
    this.state = "down";
    this.log.warn("redis down: reconnecting", {
      connection: this.connection,
      state: "down",
      was: "ready",
      ...(this.lastCode !== undefined ? { code: this.lastCode } : {}),
    });
  }

  private ended(): void {
    if (this.state === "ended") return;
    const was = this.state;
    this.state = "ended";
    this.log.info("redis connection ended", { connection: this.connection, state: "ended", was });
  }
}
