import type { TurnService } from "./turn-service.js";

/**
 * Refuses new turns at once, lets open streams run for `drainMs`, then tells those still open to reconnect
 * and gives them a moment to flush it.
 */
export async function drainStreams(turns: TurnService, drainMs: number): Promise<void> {
  turns.stopAccepting();
  await new Promise((resolve) => setTimeout(resolve, drainMs));
  turns.drain();
  await new Promise((resolve) => setTimeout(resolve, 200));
}
