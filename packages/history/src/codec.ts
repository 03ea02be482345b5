import {
  isBaseMessage,
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type BaseMessage,
  type StoredMessage,
} from "@langchain/core/messages";
import { z } from "zod";

const storedMessageSchema = z.object({
  type: z.string().min(1),
  data: z.looseObject({
    content: z.union([z.string(), z.array(z.unknown())]),
  }),
});

/** Checks the input is an array of LangChain messages; throws TypeError otherwise. */
export function assertMessages(messages: unknown): asserts messages is BaseMessage[] {
  if (!Array.isArray(messages)) throw new TypeError("messages must be an array of BaseMessage");
  messages.forEach((m, i) => {
    if (!isBaseMessage(m)) throw new TypeError(`messages[${i}] is not a BaseMessage`);
  });
}

/** One JSON string per message (LangChain StoredMessage form, so tool calls and tool messages round-trip). */
export function encodeMessages(messages: BaseMessage[]): string[] {
  return mapChatMessagesToStoredMessages(messages).map((stored) => JSON.stringify(stored));
}

/** Decodes stored entries, skipping any that are not valid JSON or not a known message shape. */
export function decodeMessages(entries: readonly string[]): BaseMessage[] {
  const out: BaseMessage[] = [];
  for (const entry of entries) {
    const message = decodeOne(entry);
    if (message !== undefined) out.push(message);
  }
  return out;
}

function decodeOne(entry: string): BaseMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(entry);
  } catch {
    return undefined;
  }
  const parsed = storedMessageSchema.safeParse(json);
  if (!parsed.success) return undefined;
  try {
    // The schema checked the fields we rely on; the rest of StoredMessageData is optional in practice.
    const [message] = mapStoredMessagesToChatMessages([parsed.data as unknown as StoredMessage]);
    return message;
  } catch {
    return undefined;
  }
}
