/**
 * The built-in offline demo model: a small deterministic LangChain chat model.
 *
 * It never pretends to be an LLM: every answer starts with {@link OFFLINE_MARKER}. It streams word by word,
 * refers to earlier turns of the history it is given (so memory can be seen working), and, when file tools
 * are bound, answers file questions with real tool calls (`list_dir` / `read_text`), and questions about the docs
 * with `vector_search` then `doc_get` on the best hit (offline-docs.ts), and then summarises the tool results. No network, no randomness: the same messages always give the same answer.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from "@langchain/core/language_models/chat_models";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  type ToolCall,
  type UsageMetadata,
} from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { detectDocsIntent, docsToolSummary, topHitId } from "./offline-docs.js";
import { OFFLINE_MODEL_NAME } from "./model-config.js";

/** The prefix of every offline answer. */
export const OFFLINE_MARKER = "[offline demo model]";

export interface OfflineChatModelCallOptions extends BaseChatModelCallOptions {
  tools?: BindToolsInput[];
}

export interface OfflineChatModelFields extends BaseChatModelParams {
  /** Names of tools the model may call (normally set through `bindTools`). */
  toolNames?: string[];
  /** Delay between streamed words, for demos (default 0). */
  wordDelayMs?: number;
}

/** What the offline model decided to answer. */
export interface OfflineReply {
  text: string;
  toolCalls: ToolCall[];
}

// ---------------------------------------------------------------- helpers

/** Words with their following whitespace, so that joining them rebuilds the text exactly. */
export function splitIntoWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Plain text of a message; content-block arrays are joined line by line. */
function messageText(message: BaseMessage): string {
  const content: unknown = message.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        if (typeof part === "string") return part;
        if (isRecord(part) && typeof part.text === "string") return part.text;
        return "";
      })
      .filter((s) => s !== "")
      .join("\n");
  }
  return "";
}

function toolNameOf(tool: unknown): string | undefined {
  if (!isRecord(tool)) return undefined;
  if (typeof tool.name === "string") return tool.name;
  const fn = tool.function;
  if (isRecord(fn) && typeof fn.name === "string") return fn.name;
  return undefined;
}

/** The bound tool that implements `base` (exact name first, then a server-prefixed name like `files__list_dir`). */
function findTool(names: readonly string[], base: string): string | undefined {
  return (
    names.find((n) => n === base) ?? names.find((n) => n.endsWith(base) && /[^a-z0-9]$/i.test(n.slice(0, -base.length)))
  );
}

const quote = (s: string, max = 120): string => {
  const oneLine = s.replace(/\s+/g, " ").trim();
  return `"${oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine}"`;
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

// ---------------------------------------------------------------- file intents

type FileIntent = { tool: "list_dir"; path: string; pattern: string } | { tool: "read_text"; path: string };

const FILE_NAME = /(?:^|[\s"'`(])((?:[\w.-]+\/)*[\w-][\w.-]*\.[a-z][a-z0-9]{0,7})(?=$|[\s"'`),?!:;]|\.(?:\s|$))/i;
const READ_VERB =
  /\b(read|show|open|cat|print|display|view|contents?|inside|what(?:'s| is) in|summari[sz]e|look at|check|tell me about|explain|describe)\b/i;
const LIST_WORDS = /\b(list|ls|files|directory|directories|folder|folders|dir)\b/i;
const GLOB = /(?:^|\s)(\*[\w.*?-]*|[\w-]*\*[\w.*?-]*)(?=$|\s|[,?!])/;
const DIR_AFTER =
  /\b(?:in|under|inside|within|of|from)\s+(?:the\s+)?(?:folder\s+|directory\s+|dir\s+)?["'`]?((?:\.{1,2}\/?|[\w.-]+\/?)(?:[\w.-]+\/?)*)["'`]?/i;
const KIND_PATTERNS: Record<string, string> = {
  markdown: "*.md",
  md: "*.md",
  text: "*.txt",
  txt: "*.txt",
  json: "*.json",
  yaml: "*.yaml",
  yml: "*.yml",
  csv: "*.csv",
  python: "*.py",
  typescript: "*.ts",
  javascript: "*.js",
};
const KIND_WORD = new RegExp(`\\b(${Object.keys(KIND_PATTERNS).join("|")})\\s+files\\b`, "i");
const NOT_DIRS = new Set([
  "the",
  "a",
  "this",
  "that",
  "my",
  "your",
  "here",
  "there",
  "it",
  "root",
  "files",
  "folder",
  "directory",
]);

export function detectFileIntent(input: string): FileIntent | undefined {
  const text = input.trim();
  const file = FILE_NAME.exec(text)?.[1];
  if (file !== undefined && READ_VERB.test(text)) {
    return { tool: "read_text", path: file };
  }
  if (!LIST_WORDS.test(text)) return undefined;
  const glob = GLOB.exec(text)?.[1];
  let path = ".";
  const dir = DIR_AFTER.exec(text)?.[1];
  if (dir !== undefined && !NOT_DIRS.has(dir.toLowerCase().replace(/\/$/, ""))) path = dir.replace(/\/$/, "") || ".";
  const kind = KIND_WORD.exec(text)?.[1]?.toLowerCase();
  const pattern = glob ?? (kind !== undefined ? KIND_PATTERNS[kind] : undefined) ?? "*";
  return { tool: "list_dir", path, pattern };
}

// ---------------------------------------------------------------- the "brain"

function humanTexts(messages: readonly BaseMessage[]): string[] {
  return messages.filter((m) => m.type === "human").map(messageText);
}

const NAME_STATEMENT = /\bmy name is\s+([A-Za-z][\w'-]*)/i;
const NAME_QUESTION = /\b(what(?:'s| is) my name|who am i|do you (?:know|remember) my name)\b/i;
const FIRST_QUESTION =
  /\b(first (?:message|thing|question)|what did i (?:say|ask|write) first|what did i (?:say|ask) at the (?:start|beginning))\b/i;
const BEFORE_QUESTION =
  /\b(what did i (?:just )?(?:say|ask|write)(?: before| earlier| previously| last)?|(?:previous|last|earlier) (?:message|question)|what was my (?:previous|last) )/i;

/** Which of the tools the offline model knows `toolName` is (plain or server-prefixed), else the name itself. */
const KNOWN_TOOLS = ["read_text", "list_dir", "vector_search", "doc_get"];
const baseToolName = (toolName: string): string =>
  KNOWN_TOOLS.find((b) => findTool([toolName], b) !== undefined) ?? toolName;

function toolResultSummary(toolName: string, args: Record<string, unknown>, result: string, failed: boolean): string {
  const base = baseToolName(toolName);
  if (failed || /^(error|mcp error|tool error)\b/i.test(result.trim())) {
    return `The tool ${toolName} reported an error: ${quote(result, 200)}.`;
  }
  const docs = docsToolSummary(base, args, result);
  if (docs !== undefined) return docs;
  if (base === "list_dir") {
    const where = typeof args.path === "string" && args.path !== "" && args.path !== "." ? args.path : "the files root";
    let names: string[] = [];
    const trimmed = result.trim();
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) names = parsed.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
    } catch {
      // not JSON: one name per line
    }
    if (names.length === 0 && trimmed !== "" && trimmed !== "[]") {
      names = trimmed
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s !== "");
    }
    if (names.length === 0) return `I found no matching files in ${where}.`;
    const shown = names.slice(0, 20);
    const more = names.length > shown.length ? ` and ${names.length - shown.length} more` : "";
    return `I found ${plural(names.length, "file")} in ${where}: ${shown.join(", ")}${more}.`;
  }
  if (base === "read_text") {
    const path = typeof args.path === "string" ? args.path : "the file";
    const lines = result.split(/\r?\n/);
    while (lines.length > 0 && lines[lines.length - 1]?.trim() === "") lines.pop();
    if (lines.length === 0) return `The file ${path} is empty.`;
    const head = lines.slice(0, 3).map((l) => (l.length > 160 ? `${l.slice(0, 159)}…` : l));
    return `The file ${path} has ${plural(lines.length, "line")}. It starts with:\n${head.join("\n")}`;
  }
  return `The tool ${toolName} returned: ${quote(result, 200)}.`;
}

/** Decides the offline model's answer for a conversation. Pure and deterministic. */
export function offlineReply(messages: readonly BaseMessage[], toolNames: readonly string[]): OfflineReply {
  const last = messages.at(-1);

  // After tool results: summarise every trailing ToolMessage.
  if (last !== undefined && last.type === "tool") {
    const trailing: BaseMessage[] = [];
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      if (m === undefined || m.type !== "tool") break;
      trailing.unshift(m);
    }
    const calls = new Map<string, ToolCall>();
    for (const m of messages) {
      if (AIMessage.isInstance(m)) for (const c of m.tool_calls ?? []) if (c.id !== undefined) calls.set(c.id, c);
    }
    // A docs search is followed by reading its best hit, when doc_get is bound too.
    const lastCall = calls.get(
      "tool_call_id" in last && typeof last.tool_call_id === "string" ? last.tool_call_id : "",
    );
    const docGet = findTool(toolNames, "doc_get");
    const hitId = topHitId(messageText(last));
    if (
      lastCall !== undefined &&
      baseToolName(lastCall.name) === "vector_search" &&
      docGet !== undefined &&
      hitId !== undefined &&
      !("status" in last && last.status === "error")
    ) {
      return {
        text: "",
        toolCalls: [{ id: `offline_call_${messages.length}_0`, name: docGet, args: { id: hitId }, type: "tool_call" }],
      };
    }
    const parts = trailing.map((m) => {
      const toolCallId = "tool_call_id" in m && typeof m.tool_call_id === "string" ? m.tool_call_id : "";
      const call = calls.get(toolCallId);
      const name = call?.name ?? (typeof m.name === "string" ? m.name : "tool");
      const failed = "status" in m && m.status === "error";
      return toolResultSummary(name, call?.args ?? {}, messageText(m), failed);
    });
    return { text: `${OFFLINE_MARKER} ${parts.join("\n")}`, toolCalls: [] };
  }

  let lastHumanIndex = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.type === "human") {
      lastHumanIndex = i;
      break;
    }
  }
  const input = lastHumanIndex >= 0 ? messageText(messages[lastHumanIndex] as BaseMessage).trim() : "";
  const earlier = messages.slice(0, Math.max(0, lastHumanIndex)).filter((m) => m.type === "human" || m.type === "ai");
  const earlierHuman = humanTexts(earlier);
  const firstAnswer = !earlier.some((m) => m.type === "ai");

  const statedName = NAME_STATEMENT.exec(input)?.[1];
  const memoryQuestion =
    statedName !== undefined || NAME_QUESTION.test(input) || FIRST_QUESTION.test(input) || BEFORE_QUESTION.test(input);

  // Docs and file questions become real tool calls when the matching tool is bound (memory questions come first).
  const docsIntent = input !== "" && !memoryQuestion ? detectDocsIntent(input) : undefined;
  const search = findTool(toolNames, "vector_search");
  if (docsIntent !== undefined && search !== undefined) {
    return {
      text: "",
      toolCalls: [
        {
          id: `offline_call_${messages.length}_0`,
          name: search,
          args: { query: docsIntent.query, k: 3 },
          type: "tool_call",
        },
      ],
    };
  }
  if (toolNames.length > 0 && input !== "" && !memoryQuestion && docsIntent === undefined) {
    const intent = detectFileIntent(input);
    if (intent !== undefined) {
      const name = findTool(toolNames, intent.tool);
      if (name !== undefined) {
        const args: Record<string, string> =
          intent.tool === "list_dir" ? { path: intent.path, pattern: intent.pattern } : { path: intent.path };
        return { text: "", toolCalls: [{ id: `offline_call_${messages.length}_0`, name, args, type: "tool_call" }] };
      }
    }
  }

  const unservedIntent =
    input !== "" && !memoryQuestion && docsIntent === undefined ? detectFileIntent(input) : undefined;
  let answer: string;
  if (input === "") {
    answer = "I did not receive a question.";
  } else if (NAME_QUESTION.test(input)) {
    let name: string | undefined;
    for (const t of earlierHuman) name = NAME_STATEMENT.exec(t)?.[1] ?? name;
    answer = name !== undefined ? `Your name is ${name}.` : "You have not told me your name yet.";
  } else if (statedName !== undefined) {
    answer = `Nice to meet you, ${statedName}. I will remember your name.`;
  } else if (docsIntent !== undefined) {
    answer = "That needs the docs server's vector_search tool, and no docs tools are connected to this conversation.";
  } else if (unservedIntent !== undefined) {
    answer = `That needs the ${unservedIntent.tool} file tool, and no file tools are connected to this conversation.`;
  } else if (FIRST_QUESTION.test(input)) {
    const first = earlierHuman[0];
    answer =
      first !== undefined
        ? `Your first message was ${quote(first)}.`
        : "This is your first message in this conversation.";
  } else if (BEFORE_QUESTION.test(input)) {
    const previous = earlierHuman.at(-1);
    answer =
      previous !== undefined
        ? `Before this you said ${quote(previous)}.`
        : "This is your first message in this conversation.";
  } else {
    const remembered =
      earlier.length === 0
        ? "I remember no earlier messages in this conversation."
        : `I remember ${plural(earlier.length, "earlier message")} in this conversation.`;
    answer = `You said ${quote(input)}. ${remembered}`;
  }
  const note = firstAnswer
    ? " I am the built-in offline demo model, not an LLM: configure an OpenAI-compatible model for real answers."
    : "";
  return { text: `${OFFLINE_MARKER} ${answer}${note}`, toolCalls: [] };
}

function usageFor(messages: readonly BaseMessage[], reply: OfflineReply): UsageMetadata {
  const input = messages.reduce((n, m) => n + splitIntoWords(messageText(m)).length, 0);
  const output = splitIntoWords(reply.text).length + reply.toolCalls.length;
  return { input_tokens: input, output_tokens: output, total_tokens: input + output };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new Error("AbortError"));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error("AbortError"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

// ---------------------------------------------------------------- the model

export class OfflineChatModel extends BaseChatModel<OfflineChatModelCallOptions, AIMessageChunk> {
  readonly toolNames: string[];
  readonly wordDelayMs: number;

  static override lc_name(): string {
    return "OfflineChatModel";
  }

  constructor(fields: OfflineChatModelFields = {}) {
    super(fields);
    this.toolNames = [...(fields.toolNames ?? [])];
    this.wordDelayMs = fields.wordDelayMs ?? 0;
  }

  _llmType(): string {
    return "offline";
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<OfflineChatModelCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, OfflineChatModelCallOptions> {
    return this.withConfig({ ...kwargs, tools: [...(kwargs?.tools ?? []), ...tools] });
  }

  private toolNamesFor(options: this["ParsedCallOptions"] | undefined): string[] {
    const names = [...this.toolNames];
    for (const t of options?.tools ?? []) {
      const name = toolNameOf(t);
      if (name !== undefined && !names.includes(name)) names.push(name);
    }
    return names;
  }

  async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    options?.signal?.throwIfAborted();
    const reply = offlineReply(messages, this.toolNamesFor(options));
    const message = new AIMessage({
      content: reply.text,
      tool_calls: reply.toolCalls,
      response_metadata: {
        model_name: OFFLINE_MODEL_NAME,
        model_provider: "offline",
        finish_reason: reply.toolCalls.length > 0 ? "tool_calls" : "stop",
      },
      usage_metadata: usageFor(messages, reply),
    });
    return { generations: [{ text: reply.text, message }], llmOutput: { model_name: OFFLINE_MODEL_NAME } };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const reply = offlineReply(messages, this.toolNamesFor(options));
    const words = splitIntoWords(reply.text);
    for (let i = 0; i < words.length; i++) {
      if (i > 0 && this.wordDelayMs > 0) await sleep(this.wordDelayMs, signal);
      signal?.throwIfAborted();
      const word = words[i] ?? "";
      const chunk = new ChatGenerationChunk({ text: word, message: new AIMessageChunk({ content: word }) });
      yield chunk;
      await runManager?.handleLLMNewToken(word, { prompt: 0, completion: 0 }, undefined, undefined, undefined, {
        chunk,
      });
    }
    // The last chunk carries tool calls, metadata and usage (metadata strings would be concatenated if repeated).
    const final = new ChatGenerationChunk({
      text: "",
      message: new AIMessageChunk({
        content: "",
        tool_call_chunks: reply.toolCalls.map((c, index) => ({
          type: "tool_call_chunk" as const,
          id: c.id,
          name: c.name,
          args: JSON.stringify(c.args),
          index,
        })),
        response_metadata: {
          model_name: OFFLINE_MODEL_NAME,
          model_provider: "offline",
          finish_reason: reply.toolCalls.length > 0 ? "tool_calls" : "stop",
        },
        usage_metadata: usageFor(messages, reply),
      }),
    });
    yield final;
    await runManager?.handleLLMNewToken("", { prompt: 0, completion: 0 }, undefined, undefined, undefined, {
      chunk: final,
    });
  }
}
