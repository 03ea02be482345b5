import type { Logger } from "@acb/logger";
import { ErrorBody, OpenAIErrorBody, type ErrorCode } from "@acb/schemas";
import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, errorHandler } from "../http/errors.js";

type OpenAIErrorType = OpenAIErrorBody["error"]["type"];

function typeFor(status: number): OpenAIErrorType {
  if (status === 401 || status === 403) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status === 504) return "timeout_error";
  if (status >= 500) return status === 502 ? "api_error" : "server_error";
  return "invalid_request_error";
}

export function openAIErrorBody(
  status: number,
  message: string,
  code: ErrorCode | null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type: typeFor(status), code, param } };
}

export function openAIError(
  status: ContentfulStatusCode,
  message: string,
  code: ErrorCode | null,
  param: string | null = null,
  headers: Headers | Record<string, string> = {},
): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(openAIErrorBody(status, message, code, param)), { status, headers: h });
}

/** The OpenAI-compatible routes answer errors in OpenAI's shape (what its SDKs parse); `param` names the field. */
export function openAIErrorHandler(log: Logger): ErrorHandler {
  const fallback = errorHandler(log);
  return (err: Error, c: Context) => {
    // Its headers too: Retry-After and RateLimit on a 429 or 503 (the SDKs' retry logic reads Retry-After).
    if (err instanceof ApiError)
      return openAIError(err.status, err.message, err.code, err.details?.[0]?.field ?? null, err.headers);
    if (err instanceof HTTPException) {
      if (err.status === 413) return openAIError(413, "request body is too large", "payload_too_large");
      if (err.status === 400) return openAIError(400, "request body is not valid JSON", "invalid_json");
      return openAIError(err.status, "bad request", "bad_request");
    }
    // Everything else as on every route (a store that cannot be reached is a 503 with Retry-After, the rest a 500);
    // openAIErrorShape, in front of these routes, renders that answer in OpenAI's shape.
    return fallback(err, c);
  };
}

/**
 * The gateway's own refusals on the OpenAI paths (Host, identity, Redis unavailable, no such route: answered by
 * middleware in front of the door, in the seed's `{"error":{"code","message"}}`) re-rendered in OpenAI's shape, so
 * the SDKs raise AuthenticationError, NotFoundError … with `type` and `code`. Headers (WWW-Authenticate,
 * Retry-After) are kept; the door's own errors are already in OpenAI's shape and pass untouched.
 */
export function openAIErrorShape(): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    await next();
    const res = c.res;
    if (res.status < 400 || !(res.headers.get("content-type") ?? "").startsWith("application/json")) return;
    // Headers first: reading the body of @hono/node-server's lightweight Response rebuilds it from what it was
    // constructed with, dropping headers set on it since (WWW-Authenticate, the secure headers).
    const headers = new Headers(res.headers);
    const body: unknown = await res
      .clone()
      .json()
      .catch(() => undefined);
    if (OpenAIErrorBody.safeParse(body).success) return;
    const seed = ErrorBody.safeParse(body);
    if (!seed.success) return;
    const { code, message, details } = seed.data.error;
    c.res = openAIError(res.status as ContentfulStatusCode, message, code, details?.[0]?.field ?? null, headers);
  });
}
