import type { AgentJournal } from "@acb/chains";
import type { TurnJournal } from "@acb/turns";
import {
  AIMessage,
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  ToolMessage,
  type BaseMessage,
} from "@langchain/core/messages";

const STEP = "m:";
const TOOL = "t:";

function encode(message: BaseMessage): string {
  return JSON.stringify(mapChatMessagesToStoredMessages([message])[0]);
}

function decode(text: string): BaseMessage | undefined {
  try {
    return mapStoredMessagesToChatMessages([JSON.parse(text)])[0];
  } catch {
    return undefined;
  }
}

/**
 * The agent's view of one turn's journal: model steps under `m:<step>`, tool results under `t:<call id>`, stored as
 * LangChain's serialized messages. Read only when the turn is taken over (a fresh turn has nothing to read); an
 * entry that cannot be read back is left out, so that step simply runs again.
 */
export async function agentJournal(journal: TurnJournal, turnId: string, takeover: boolean): Promise<AgentJournal> {
  const steps = new Map<number, AIMessage>();
  const toolResults = new Map<string, ToolMessage>();
  if (takeover) {
    for (const [field, value] of await journal.entries(turnId)) {
      const message = decode(value);
      if (field.startsWith(STEP) && message !== undefined && AIMessage.isInstance(message))
        steps.set(Number(field.slice(STEP.length)), message);
      else if (field.startsWith(TOOL) && message !== undefined && ToolMessage.isInstance(message))
        toolResults.set(field.slice(TOOL.length), message);
    }
  }
  return {
    steps,
    toolResults,
    recordStep: (step, message) => journal.record(turnId, `${STEP}${step}`, encode(message)),
    recordTool: (callId, message) => journal.record(turnId, `${TOOL}${callId}`, encode(message)),
  };
}
