/** Typed model failures whose public message is safe to show a client. */
import { causes, field, seconds } from "./error-chain.js";

export type ModelErrorKind = "upstream" | "timeout" | "aborted" | "rate_limited";

export interface ModelErrorInit {
  kind: ModelErrorKind;
  publicMessage: string;
  status?: number;
  cause?: unknown;
}

/**
 * A model call failed. `publicMessage` is safe for clients (no stack, no host paths, no API key, no upstream URL);
 * `message` equals it too, so logging `err.message` leaks nothing either. The original error is in `cause`.
 */
export class ModelError extends Error {
  readonly kind: ModelErrorKind;
  readonly publicMessage: string;
  readonly status?: number;

  constructor(init: ModelErrorInit) {
    super(init.publicMessage, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "ModelError";
    this.kind = init.kind;
    this.publicMessage = init.publicMessage;
    if (init.status !== undefined) this.status = init.status;
  }
}

export interface ToModelErrorContext {
  /** The per-request timeout, for a precise public message ("within 30 s"). */
  timeoutMs?: number;
}

function statusOf(err: unknown): number | undefined {
  for (const candidate of [field(err, "status"), field(err, "statusCode"), field(field(err, "response"), "status")]) {
    if (typeof candidate === "number" && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

function nameOf(err: unknown): string {
  const name = field(err, "name");
  const ctor =
    err !== null && typeof err === "object"
      ? (err as { constructor?: { name?: unknown } }).constructor?.name
      : undefined;
  return `${typeof name === "string" ? name : ""} ${typeof ctor === "string" ? ctor : ""}`;
}

function messageOf(err: unknown): string {
  const m = field(err, "message");
  return typeof m === "string" ? m : typeof err === "string" ? err : "";
}

/** Maps anything a model call can throw to a {@link ModelError}. The signal tells a caller's abort apart from a timeout. */
export function toModelError(err: unknown, signal?: AbortSignal, context: ToModelErrorContext = {}): ModelError {
  if (err instanceof ModelError) return err;
  const chain = causes(err);

  if (signal?.aborted === true) {
    return new ModelError({ kind: "aborted", publicMessage: "the turn was cancelled", cause: err });
  }

  const timedOut = chain.some((e) => {
    const n = nameOf(e);
    const m = messageOf(e);
    return (
      /TimeoutError|APIConnectionTimeoutError/.test(n) || /timed? ?out/i.test(m) || field(e, "code") === "ETIMEDOUT"
    );
  });
  if (timedOut) {
    const within = context.timeoutMs !== undefined ? ` within ${seconds(context.timeoutMs)}` : " in time";
    return new ModelError({ kind: "timeout", publicMessage: `the model did not answer${within}`, cause: err });
  }

  const status = chain.map(statusOf).find((s) => s !== undefined);
  if (status === 429) {
    return new ModelError({
      kind: "rate_limited",
      status,
      publicMessage: "the model provider is rate limiting requests (HTTP 429); try again later",
      cause: err,
    });
  }
  if (status !== undefined) {
    const hint =
      status === 401 || status === 403 ? " (check the API key)" : status === 404 ? " (check the model name)" : "";
    return new ModelError({
      kind: "upstream",
      status,
      publicMessage: `the model provider returned HTTP ${status}${hint}`,
      cause: err,
    });
  }

  const aborted = chain.some((e) => /AbortError|APIUserAbortError|ModelAbortError/.test(nameOf(e)));
  if (aborted) {
    return new ModelError({ kind: "aborted", publicMessage: "the model call was cancelled", cause: err });
  }

  const connection = chain.some((e) => {
    const n = nameOf(e);
    const m = messageOf(e);
    const code = field(e, "code");
    return (
      /APIConnectionError|SocketError/.test(n) ||
      /connection|terminated|socket|network|fetch failed|premature|ECONN|EPIPE|ENOTFOUND|EAI_AGAIN/i.test(m) ||
      (typeof code === "string" && /^(ECONN|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(code))
    );
  });
  if (connection) {
    return new ModelError({
      kind: "upstream",
      publicMessage: "the connection to the model provider failed",
      cause: err,
    });
  }

  return new ModelError({ kind: "upstream", publicMessage: "the model failed to answer", cause: err });
}
