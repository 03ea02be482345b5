import type { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import type { BaseMessage } from "@langchain/core/messages";

/** What one write may set for itself instead of the store's options. */
export interface CommitOptions {
  /** This write's bound on the session's bytes (0 = none) instead of the store's maxBytes: an API key's own
   *  `history_max_bytes`, carried on the turn's job. */
  readonly maxBytes?: number;
}

export interface ChatHistoryStore {
  /** Messages of a session, oldest first (at most maxMessages). Unknown session → []. */
  getMessages(sessionId: string): Promise<BaseMessage[]>;
  /** Appends a whole turn (e.g. [HumanMessage, AIMessage] or with tool messages) atomically, at most once per turnId per session.
   *  Returns true when appended, false when that turn id had already been committed (a retry).
   *  `options.maxBytes` trims the session to that bound on this write instead of the store's maxBytes. */
  commitTurn(sessionId: string, turnId: string, messages: BaseMessage[], options?: CommitOptions): Promise<boolean>;
  /** A LangChain chat message history view of one session (BaseListChatMessageHistory: getMessages/addMessage/addMessages/clear), usable with RunnableWithMessageHistory. */
  forSession(sessionId: string): BaseListChatMessageHistory;
  clear(sessionId: string): Promise<void>;
  /** Round-trip check for /readiness (memory: always true). */
  ping(): Promise<boolean>;
}
