import type { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import type { BaseMessage } from "@langchain/core/messages";
import { cutToolResults } from "./bounds.js";
import { assertMessages, encodeMessages } from "./codec.js";
import { resolveHistoryOptions, validateSessionId, type HistoryOptions } from "./options.js";
import { SessionChatMessageHistory, type SessionBackend } from "./session-history.js";
import type { ChatHistoryStore, CommitOptions } from "./store.js";

/** What the memory and Redis stores share: the resolved options, the LangChain view, how messages are written. */
export abstract class ChatHistoryStoreBase implements ChatHistoryStore, SessionBackend {
  readonly options: HistoryOptions;

  constructor(options?: Partial<HistoryOptions>) {
    this.options = resolveHistoryOptions(options);
  }

  abstract getMessages(sessionId: string): Promise<BaseMessage[]>;
  abstract commitTurn(
    sessionId: string,
    turnId: string,
    messages: BaseMessage[],
    options?: CommitOptions,
  ): Promise<boolean>;
  abstract appendMessages(sessionId: string, messages: BaseMessage[]): Promise<void>;
  abstract clear(sessionId: string): Promise<void>;
  abstract ping(): Promise<boolean>;

  forSession(sessionId: string): BaseListChatMessageHistory {
    return new SessionChatMessageHistory(this, validateSessionId(sessionId));
  }

  /** The byte bound of one commit: its own `maxBytes` when given (checked like the store's), else the store's. */
  protected maxBytesOf(options: CommitOptions | undefined): number {
    const own = options?.maxBytes;
    if (own === undefined) return this.options.maxBytes;
    if (!Number.isSafeInteger(own) || own < 0)
      throw new RangeError("invalid commit options: maxBytes must be a non-negative integer");
    return own;
  }

  /** The entries a write stores: checked messages, tool results cut to maxToolResultBytes, encoded. */
  protected encode(messages: BaseMessage[]): string[] {
    assertMessages(messages);
    return encodeMessages(cutToolResults(messages, this.options.maxToolResultBytes));
  }
}
