import type { Logger } from "@acb/logger";
import type { ErrorCode, OpenAIErrorBody } from "@acb/schemas";
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "../http/errors.js";

type OpenAIErrorType = OpenAIErrorBody["error"]["type"];

function typeFor(status: number): OpenAIErrorType {
  if (status === 401 || status === 403) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status === 504) return "timeout_error";
  if (status >= 500) return status === 502 ? "api_error" : "server_error";
  return "invalid_request_error";
}

export function openAIErrorBody(status: number, message: string, code: ErrorCode | null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type: typeFor(status), code, param } };
}

export function openAIError(status: ContentfulStatusCode, message: string, code: ErrorCode | null, param: string | null = null): Response {
  return new Response(JSON.stringify(openAIErrorBody(status, message, code, param)), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

/** The OpenAI-compatible routes answer errors in OpenAI's shape (what its SDKs parse); `param` names the field. */
export function openAIErrorHandler(log: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return openAIError(err.status, err.message, err.code, err.details?.[0]?.field ?? null);
    if (err instanceof HTTPException) {
      if (err.status === 413) return openAIError(413, "request body is too large", "payload_too_large");
      if (err.status === 400) return openAIError(400, "request body is not valid JSON", "invalid_json");
      return openAIError(err.status, "bad request", "bad_request");
    }
    log.error("unhandled error", { path: c.req.path, error: err.name });
    return openAIError(500, "internal error", "internal");
  };
}
