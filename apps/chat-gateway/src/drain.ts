import type { TurnService } from "./turn-service.js";

/**
 * Refuses new turns at once, lets open streams run for up to `drainMs` (no longer than it takes the last one to
 * end), then tells those still open to reconnect and gives them a moment to flush it.
 */
export async function drainStreams(turns: TurnService, drainMs: number): Promise<void> {
  turns.stopAccepting();
  const deadline = Date.now() + drainMs;
  while (turns.openFollowers > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (turns.openFollowers === 0) return;
  turns.drain();
  await new Promise((resolve) => setTimeout(resolve, 200));
}
