import { z } from "zod";

export const ErrorCode = z.enum([
  "bad_request",
  "unauthorized",
  "forbidden",
  "invalid_json",
  "unsupported_media_type",
  "payload_too_large",
  "not_found",
  "conflict",
  "rate_limited",
  "not_ready",
  "queue_full",
  "backlog_full",
  "upstream_error",
  "timeout",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorDetail = z.object({ field: z.string(), message: z.string() });
export type ErrorDetail = z.infer<typeof ErrorDetail>;

/** Every non-2xx JSON answer: `{"error":{"code","message","details"?}}`. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.array(ErrorDetail).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetail[]): ErrorBody {
  return details && details.length > 0 ? { error: { code, message, details } } : { error: { code, message } };
}

/** Turns zod issues into field-named details ("session_id", "temperature", "messages.0.role"). */
export function detailsFromZod(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.join(", ");
      return { field: path === "" ? keys : `${path}.${keys}`, message: "is not a known field" };
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return { field: path || "(body)", message: "is required" };
    }
    return { field: path || "(body)", message: issue.message };
  });
}

/** One readable sentence naming the fields, for the `message` of a 400 or a WebSocket error frame. */
export function describeInvalid(details: ErrorDetail[]): string {
  return details.map((d) => `${d.field} ${d.message}`).join("; ");
}
