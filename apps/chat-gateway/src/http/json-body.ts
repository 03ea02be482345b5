import { describeInvalid, detailsFromZod } from "@acb/schemas";
import type { z } from "zod";
import { ApiError } from "./errors.js";

/** `application/json` and `application/<anything>+json`, with parameters. */
export const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a JSON request body with every check a client can trip, each a clear 4xx naming what is wrong:
 * 415 for a non-JSON content type, 413 past `maxBytes` (declared or actual), 400 for malformed JSON or
 * UTF-8, 400 with field details when the schema rejects it.
 */
export async function readJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  maxBytes: number,
): Promise<z.output<S>> {
  const type = req.headers.get("content-type") ?? "";
  if (!JSON_TYPE.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "content-type must be application/json");
  }
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    throw new ApiError(413, "payload_too_large", `request body is larger than ${maxBytes} bytes`);
  }
  const bytes = await readCapped(req, maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "request body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(400, "bad_request", "request body must be a JSON object", [
      { field: "(body)", message: "must be a JSON object" },
    ]);
  }
  return validate(schema, value);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = detailsFromZod(parsed.error);
    throw new ApiError(400, "bad_request", `invalid request: ${describeInvalid(details)}`, details);
  }
  return parsed.data;
}

async function readCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Only frees the rest of an oversized body; the 413 below is the answer whether or not this works,
      // and the client already has nothing more to learn from why it did not.
      await reader.cancel().catch(() => undefined);
      throw new ApiError(413, "payload_too_large", `request body is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
