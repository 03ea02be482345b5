import { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import type { BaseMessage } from "@langchain/core/messages";
import { assertMessages } from "./codec.js";

/** What a store provides to the per-session LangChain view. */
export interface SessionBackend {
  getMessages(sessionId: string): Promise<BaseMessage[]>;
  /** Plain append (no turn id), same cap and TTL rules as commitTurn. */
  appendMessages(sessionId: string, messages: BaseMessage[]): Promise<void>;
  clear(sessionId: string): Promise<void>;
}

/**
 * A LangChain chat message history bound to one session of a store, for RunnableWithMessageHistory and
 * friends. Note: addMessages is a plain append; the turn-level, idempotent write is ChatHistoryStore.commitTurn.
 */
export class SessionChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ["acb", "history"];

  constructor(
    private readonly backend: SessionBackend,
    readonly sessionId: string,
  ) {
    super();
  }

  override async getMessages(): Promise<BaseMessage[]> {
    return await this.backend.getMessages(this.sessionId);
  }

  override async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  override async addMessages(messages: BaseMessage[]): Promise<void> {
    assertMessages(messages);
    if (messages.length === 0) return;
    await this.backend.appendMessages(this.sessionId, messages);
  }

  override async clear(): Promise<void> {
    await this.backend.clear(this.sessionId);
  }
}
