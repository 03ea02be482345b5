/**
 * What a log line may say about a failure: the classes along its cause chain and any upstream HTTP status or
 * kind found there. Never a message (an upstream body, a prompt, a path or a key can hide in one), never a stack.
 */
export interface ErrorFields {
  /** The error classes from the outermost to the root cause, e.g. `TurnFailedError < ModelError < InternalServerError`. */
  error_class: string;
  /** The first HTTP status found along the chain (an upstream model provider's, for a model failure). */
  upstream_status?: number;
  /** The first `kind` found along the chain (ModelError: upstream, timeout, aborted, rate_limited; McpToolError: tool, timeout, unavailable). */
  error_kind?: string;
  /** The first string `code` found along the chain (ECONNREFUSED, UND_ERR_SOCKET…). */
  error_code?: string;
}

const NAME = /^[A-Za-z_$][\w$]{0,60}$/;

function nameOf(err: unknown): string {
  if (err instanceof Error) {
    const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
    const name = err.name !== "Error" || typeof ctor !== "string" ? err.name : ctor;
    return NAME.test(name) ? name : "Error";
  }
  return err === null ? "null" : typeof err;
}

export function errorFields(err: unknown): ErrorFields {
  const classes: string[] = [];
  const out: ErrorFields = { error_class: "" };
  let current: unknown = err;
  for (let i = 0; i < 6 && current !== undefined && current !== null; i++) {
    classes.push(nameOf(current));
    if (typeof current !== "object") break;
    const o = current as { status?: unknown; statusCode?: unknown; kind?: unknown; code?: unknown; cause?: unknown };
    const status =
      typeof o.status === "number" ? o.status : typeof o.statusCode === "number" ? o.statusCode : undefined;
    if (out.upstream_status === undefined && status !== undefined && status >= 100 && status < 600)
      out.upstream_status = status;
    if (out.error_kind === undefined && typeof o.kind === "string" && NAME.test(o.kind)) out.error_kind = o.kind;
    if (out.error_code === undefined && typeof o.code === "string" && /^[A-Za-z0-9_]{2,40}$/.test(o.code))
      out.error_code = o.code;
    current = o.cause;
  }
  out.error_class = classes.join(" < ");
  return out;
}
