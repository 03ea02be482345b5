import type { ChatHistoryStore } from "@acb/history";
import type { TurnEvent, TurnJob } from "@acb/schemas";
import { InMemoryTurnEventLog, processTurn } from "@acb/turns";
import { createTurnExecutor, type TurnEngineDeps } from "../executor.js";

/** The offline model: deterministic answers, no network. */
export const OFFLINE_MODEL = { provider: "offline" as const, model: "x", timeoutMs: 5_000, maxRetries: 0 };

/** An executor on `history` and the offline model, without tools in chat turns unless `over` says otherwise. */
export const offlineExecutor = (history: ChatHistoryStore, over: Partial<TurnEngineDeps> = {}) =>
  createTurnExecutor({ history, model: OFFLINE_MODEL, useToolsInChat: false, ...over });

/** Runs one job through processTurn with `execute`; resolves with the events its log holds. */
export async function runTurn(execute: ReturnType<typeof createTurnExecutor>, j: TurnJob): Promise<TurnEvent[]> {
  const eventLog = new InMemoryTurnEventLog();
  await processTurn(j, { eventLog, execute });
  return (await eventLog.read(j.turn_id, "0")).map((e) => e.event);
}
