import type { TurnEvent, TurnJob } from "@acb/schemas";
import { turnJob } from "@acb/testkit";
import { InMemoryTurnCanceller } from "../cancel/memory.js";
import type { CancelMode } from "../cancel/types.js";
import { InMemoryTurnEventLog } from "../event-log/memory.js";
import { processTurn, type ProcessTurnDeps, type TurnExecutor, type TurnOutcome } from "../process-turn.js";

/** Runs `job` through processTurn on a fresh in-memory log; resolves with the outcome and the events logged. */
export async function runTurn(
  execute: TurnExecutor,
  job: TurnJob = turnJob(),
  deps: Partial<ProcessTurnDeps> = {},
): Promise<{ outcome: TurnOutcome; events: TurnEvent[] }> {
  const eventLog = deps.eventLog ?? new InMemoryTurnEventLog();
  const outcome = await processTurn(job, { eventLog, execute, ...deps });
  return { outcome, events: (await eventLog.read(job.turn_id, "0")).map((e) => e.event) };
}

/** Like runTurn, and cancels the turn (in `mode`, or the canceller's default) 20 ms after it started. */
export async function cancelMidTurn(
  execute: TurnExecutor,
  mode?: CancelMode,
): Promise<{ outcome: TurnOutcome; events: TurnEvent[] }> {
  const canceller = new InMemoryTurnCanceller();
  const job = turnJob();
  const run = runTurn(execute, job, { canceller });
  await new Promise((r) => setTimeout(r, 20));
  await canceller.cancel(job.turn_id, mode);
  return await run;
}
