import type { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import type { BaseMessage } from "@langchain/core/messages";

export interface ChatHistoryStore {
  /** Messages of a session, oldest first (at most maxMessages). Unknown session → []. */
  getMessages(sessionId: string): Promise<BaseMessage[]>;
  /** Appends a whole turn (e.g. [HumanMessage, AIMessage] or with tool messages) atomically, at most once per turnId per session.
   *  Returns true when appended, false when that turn id had already been committed (a retry). */
  commitTurn(sessionId: string, turnId: string, messages: BaseMessage[]): Promise<boolean>;
  /** A LangChain chat message history view of one session (BaseListChatMessageHistory: getMessages/addMessage/addMessages/clear), usable with RunnableWithMessageHistory. */
  forSession(sessionId: string): BaseListChatMessageHistory;
  clear(sessionId: string): Promise<void>;
  /** Round-trip check for /readiness (memory: always true). */
  ping(): Promise<boolean>;
}
