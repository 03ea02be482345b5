import { errorBody, type ErrorCode, type ErrorDetail } from "@acb/schemas";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "@acb/logger";
import { isStoreUnavailable, unavailableResponse } from "../availability.js";

/** A failure with a status, a stable code and a client-safe message (never a stack or a host path). */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Sent with the answer (Retry-After, RateLimit …). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A 400 whose one detail names the field. */
export function invalidField(field: string, message: string): ApiError {
  return new ApiError(400, "bad_request", `${field} ${message}`, [{ field, message }]);
}

export function jsonError(
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  details?: ErrorDetail[],
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(errorBody(code, message, details)), {
    status,
    headers: { ...headers, "content-type": "application/json; charset=utf-8" },
  });
}

export function errorHandler(log: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return jsonError(err.status, err.code, err.message, err.details, err.headers);
    if (err instanceof HTTPException) {
      const status = err.status;
      const code: ErrorCode =
        status === 413
          ? "payload_too_large"
          : status === 404
            ? "not_found"
            : status >= 500
              ? "internal"
              : "bad_request";
      return jsonError(status, code, status === 413 ? "request body is too large" : "bad request");
    }
    if (isStoreUnavailable(err)) {
      log.warn("store unreachable", { path: c.req.path, error: err.message });
      return unavailableResponse();
    }
    log.error("unhandled error", { path: c.req.path, error: err.name });
    return jsonError(500, "internal", "internal error");
  };
}

// The path is not echoed: a reflected path is a gift to phishing and log-injection.
export const notFound: NotFoundHandler = () => jsonError(404, "not_found", "no such route");
