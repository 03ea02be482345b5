import { randomUUID } from "node:crypto";
import type { TurnJob } from "@acb/schemas";

/** A valid chat turn job for tests (session `s1`, input "hello", due in 20 s); `over` replaces any field. */
export function turnJob(over: Partial<TurnJob> = {}): TurnJob {
  return {
    v: 1,
    turn_id: randomUUID(),
    session_id: "s1",
    mode: "chat",
    input: "hello",
    options: {},
    enqueued_at: Date.now(),
    deadline_at: Date.now() + 20_000,
    ...over,
  };
}
