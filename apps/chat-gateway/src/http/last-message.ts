import { MAX_INPUT_CHARS } from "@acb/schemas";
import { invalidField } from "./errors.js";

/** How each door names a message's text: OpenAI's `content`, the AI SDK's UI message `parts`. */
const TEXT_FIELD = {
  content: { empty: "must not be empty", tooLong: "must be at most" },
  parts: { empty: "must hold some text", tooLong: "must hold at most" },
} as const;

/**
 * The message a turn answers: the last one, which must be the user's, hold some text and at most
 * MAX_INPUT_CHARS characters; otherwise a 400 naming `messages.{i}.role` or `messages.{i}.{textField}`.
 */
export function lastUserMessage<M extends { readonly role: string; readonly content: string }>(
  messages: readonly M[],
  textField: keyof typeof TEXT_FIELD,
): M & { readonly role: "user" } {
  const last = messages.at(-1);
  const index = messages.length - 1;
  const wording = TEXT_FIELD[textField];
  if (last?.role !== "user")
    throw invalidField(`messages.${index}.role`, "must be user: the last message is the one answered");
  if (last.content.trim() === "") throw invalidField(`messages.${index}.${textField}`, wording.empty);
  if (last.content.length > MAX_INPUT_CHARS)
    throw invalidField(`messages.${index}.${textField}`, `${wording.tooLong} ${MAX_INPUT_CHARS} characters`);
  return last as M & { readonly role: "user" };
}
