/** The seed's LCEL chat chain and one streamed chat turn over it. */
import type { TurnEvent } from "@acb/schemas";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate, MessagesPlaceholder } from "@langchain/core/prompts";
import type { Runnable } from "@langchain/core/runnables";
import { ChatOpenAI } from "@langchain/openai";
import { ModelError, toModelError } from "./errors.js";
import { CONTINUE_INSTRUCTION } from "./resume.js";
import { IdleTimeout } from "./timeouts.js";

export const SYSTEM_PROMPT = "You are a helpful, terse assistant. Answer clearly.";

export interface ChatChainInput {
  input: string;
  history: BaseMessage[];
}

/** The seed's prompt: [system, placeholder {history}, human {input}]. Built once: a template holds no per-turn state. */
const CHAT_PROMPT = ChatPromptTemplate.fromMessages<ChatChainInput>([
  ["system", SYSTEM_PROMPT],
  new MessagesPlaceholder({ variableName: "history", optional: true }),
  ["human", "{input}"],
]);

/** ChatPromptTemplate [system, placeholder {history}, human {input}] | model | StrOutputParser */
export function buildChatChain(model: BaseChatModel): Runnable<ChatChainInput, string> {
  return CHAT_PROMPT.pipe(model).pipe(new StringOutputParser());
}

/** The text of a streamed chunk (what StringOutputParser would yield for it). */
function chunkText(chunk: AIMessageChunk): string {
  const content = chunk.content;
  if (typeof content === "string") return content;
  let text = "";
  for (const part of content)
    if ((part.type === "text" || part.type === "text_delta") && "text" in part && typeof part.text === "string")
      text += part.text;
  return text;
}

export type EmitTurnEvent = (event: TurnEvent) => void | Promise<void>;

export interface ChatTurnArgs {
  model: BaseChatModel;
  history: BaseMessage[];
  input: string;
  signal: AbortSignal;
  emit: EmitTurnEvent;
  /** Set when this run takes over a turn another runner started: the answer text its clients already received. */
  delivered?: { readonly text: string };
}

/** Marks errors thrown by `emit`, so they are not mistaken for model failures. */
class EmitFailure {
  constructor(readonly error: unknown) {}
}

/** The per-request timeout a model was configured with, when it has one. */
export function modelTimeoutMs(model: BaseChatModel): number | undefined {
  return model instanceof ChatOpenAI && typeof model.timeout === "number" && model.timeout > 0
    ? model.timeout
    : undefined;
}

/**
 * Streams the chain and emits `{event:"token"}` per non-empty chunk, in order, awaiting each `emit` (the turn's
 * writer queues and merges tokens, so this does not wait for the event log). Returns the messages to commit: [HumanMessage(input), AIMessage(fullText)]. Throws {@link ModelError} when the
 * model fails (errors thrown by `emit` itself are rethrown unchanged). Never emits done/error: the caller does.
 *
 * When the model has a timeout, it also bounds the silence between streamed chunks (the HTTP client's own timeout
 * only covers the wait for response headers).
 */
export async function runChatTurn(args: ChatTurnArgs): Promise<{ text: string; messages: BaseMessage[] }> {
  const { model, history, input, signal, emit } = args;
  const timeoutMs = modelTimeoutMs(model);
  const idle = new IdleTimeout(timeoutMs);
  const combined = idle.bound(signal);
  const timeoutError = (cause: unknown): ModelError =>
    toModelError(Object.assign(new Error("model stream idle"), { name: "TimeoutError", cause }), undefined, {
      timeoutMs,
    });

  // On a takeover the model continues the answer clients already have (see resume.ts); only new text is streamed.
  const prefix = args.delivered?.text ?? "";
  const request =
    prefix === ""
      ? { input, history }
      : { input: CONTINUE_INSTRUCTION, history: [...history, new HumanMessage(input), new AIMessage(prefix)] };
  let text = prefix;
  try {
    if (signal.aborted) throw signal.reason;
    // The HTTP client's own timeout covers the wait for headers; the idle timer starts once streaming starts.
    // The same prompt → model → text as buildChatChain, but the prompt is formatted once and the model streamed
    // directly: a RunnableSequence and an output parser add two async layers and a concatenation per token.
    const messages = await CHAT_PROMPT.formatMessages(request);
    const stream = await model.stream(messages, { signal: combined });
    idle.touch();
    for await (const message of stream) {
      idle.touch();
      const chunk = chunkText(message);
      if (chunk === "") continue;
      text += chunk;
      try {
        await emit({ event: "token", data: chunk });
      } catch (err) {
        throw new EmitFailure(err);
      }
    }
  } catch (err) {
    if (err instanceof EmitFailure) throw err.error;
    if (idle.expired && !signal.aborted) throw timeoutError(err);
    throw toModelError(err, signal, { timeoutMs });
  } finally {
    idle.pause();
  }
  if (signal.aborted) throw toModelError(signal.reason, signal, { timeoutMs });
  return { text, messages: [new HumanMessage(input), new AIMessage(text)] };
}
