import { describeInvalid, detailsFromZod, TURN_ID_PATTERN } from "@acb/schemas";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { z } from "zod";
import { ApiError, invalidField } from "./errors.js";
import { JSON_TYPE } from "./json-body.js";

/**
 * What the new routes put before Hono's zod validator: 415 for a non-JSON content type, 413 past `maxBytes`
 * (declared or streamed), so the validator only ever sees a bounded JSON body.
 */
export function jsonOnly(maxBytes: number): MiddlewareHandler {
  return every(
    async (c, next) => {
      if (!JSON_TYPE.test(c.req.header("content-type") ?? ""))
        throw new ApiError(415, "unsupported_media_type", "content-type must be application/json");
      await next();
    },
    bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `request body is larger than ${maxBytes} bytes`);
      },
    }),
  );
}

/** The hook of `zValidator`: a refused body is a 400 whose details name the fields. */
export function refuseInvalid(result: { success: true } | { success: false; error: z.core.$ZodError }): void {
  if (result.success) return;
  const details = detailsFromZod(new z.ZodError(result.error.issues));
  throw new ApiError(400, "bad_request", `invalid request: ${describeInvalid(details)}`, details);
}

/** The `:turnId` path parameter of the /v1/turns/{turn_id}/… routes, or a 400 naming `turn_id`. */
export function turnIdParam(c: Context): string {
  const turnId = c.req.param("turnId") ?? "";
  if (!TURN_ID_PATTERN.test(turnId)) throw invalidField("turn_id", "is not a valid turn id");
  return turnId;
}
