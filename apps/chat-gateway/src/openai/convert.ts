import {
  Conversation,
  DETAILS_SUFFIX,
  TOOLS_SUFFIX,
  type ChatCompletionRequest,
  type ConversationMessage,
  type OpenAIMessage,
  type TurnOptions,
} from "@acb/schemas";
import { invalidField as invalid } from "../http/errors.js";
import { lastUserMessage } from "../http/last-message.js";

/** What a model id from `/v1/models` asks for: a base model (undefined = the configured one), tools, visible tool calls. */
export interface ModelChoice {
  readonly id: string;
  readonly base: string | undefined;
  readonly tools: boolean;
  readonly showTools: boolean;
}

/** `<model>`, `<model>+tools`, `<model>+tools+details`; the configured model's own name needs no override. */
export function parseModelId(id: string, configured: string): ModelChoice {
  let rest = id;
  let showTools = false;
  let tools = false;
  if (rest.endsWith(DETAILS_SUFFIX)) {
    showTools = true;
    rest = rest.slice(0, -DETAILS_SUFFIX.length);
  }
  if (rest.endsWith(TOOLS_SUFFIX)) {
    tools = true;
    rest = rest.slice(0, -TOOLS_SUFFIX.length);
  }
  if (showTools && !tools)
    throw invalid(
      "model",
      `the ${DETAILS_SUFFIX} suffix only applies to a ${TOOLS_SUFFIX} model (e.g. ${configured}${TOOLS_SUFFIX}${DETAILS_SUFFIX})`,
    );
  if (rest === "") throw invalid("model", "names no model");
  return { id, base: rest === configured ? undefined : rest, tools, showTools };
}

export function listedModelIds(configured: string): string[] {
  return [configured, `${configured}${TOOLS_SUFFIX}`, `${configured}${TOOLS_SUFFIX}${DETAILS_SUFFIX}`];
}

/** Refuses, by name, the fields whose silent loss would surprise a user; every other unknown field is ignored. */
export function refuseSurprises(req: ChatCompletionRequest): void {
  if (req.n != null && req.n > 1) throw invalid("n", "must be 1: this gateway answers one choice per request");
  if (req.tools != null && req.tools.length > 0) {
    throw invalid("tools", "are not accepted: the gateway runs its own MCP tools (pick a model ending in +tools)");
  }
  const format = req.response_format?.type;
  if (format !== undefined && format !== "text")
    throw invalid("response_format", `type ${JSON.stringify(format).slice(0, 64)} is not supported (only "text")`);
}

function textOf(content: OpenAIMessage["content"] | undefined, param: string): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, i) => {
      if (part.type === "text" && typeof part.text === "string") return part.text;
      throw invalid(`${param}.${i}.type`, `"${String(part.type).slice(0, 64)}" parts are not supported (text only)`);
    })
    .join("");
}

export interface TurnPlan {
  /** The last user message: the turn's input. */
  readonly input: string;
  /** Everything before it (stateless turns); undefined when the session's server memory is the history. */
  readonly messages: ConversationMessage[] | undefined;
  readonly options: TurnOptions;
}

/**
 * The client's `messages[]` as a turn. Stateless (no session): the messages before the last are the history.
 * With a session, the server's memory is the history and only the last user message is new.
 */
export function planTurn(req: ChatCompletionRequest, choice: ModelChoice, stateless: boolean): TurnPlan {
  const conversation: ConversationMessage[] = req.messages.map((m, i): ConversationMessage => {
    const param = `messages.${i}.content`;
    switch (m.role) {
      case "system":
      case "developer":
        return { role: "system", content: textOf(m.content, param) };
      case "user":
        return { role: "user", content: textOf(m.content, param) };
      case "assistant": {
        const calls = (m.tool_calls ?? []).map((c) => ({
          id: c.id,
          name: c.function.name,
          arguments: c.function.arguments,
        }));
        return calls.length > 0
          ? { role: "assistant", content: textOf(m.content, param), tool_calls: calls }
          : { role: "assistant", content: textOf(m.content, param) };
      }
      case "tool":
        return { role: "tool", content: textOf(m.content, param), tool_call_id: m.tool_call_id };
    }
  });
  const last = lastUserMessage(conversation, "content");
  const before = conversation.slice(0, -1);
  if (stateless && !Conversation.safeParse(before).success) throw invalid("messages", "is too large for one turn");
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  const stop = req.stop == null ? undefined : typeof req.stop === "string" ? [req.stop] : req.stop;
  return {
    input: last.content,
    messages: stateless ? before : undefined,
    options: {
      ...(choice.base !== undefined ? { model: choice.base } : {}),
      ...(req.temperature != null ? { temperature: req.temperature } : {}),
      ...(maxTokens != null ? { max_tokens: maxTokens } : {}),
      ...(stop !== undefined && stop.length > 0 ? { stop } : {}),
      tools: choice.tools,
    },
  };
}
