import { silentLogger, type Logger } from "@acb/logger";
import { RedisStateLog } from "@acb/telemetry";
import type { Redis } from "ioredis";

/**
 * A pub/sub connection made from a command connection (a duplicate, so it keeps its name), and a promise for
 * when it is ready; subscribe only after that. Its options matter: with ioredis' defaults, a reconnect
 * re-sends the SUBSCRIBEs that were in flight ahead of its own INFO ready check, which then fails in
 * subscriber mode, so the client reconnects again and again and subscriptions are lost (seen in infra/bench
 * at 10,000 streams). Here there is no ready check and nothing in flight is re-sent.
 */
export function openSubscriber(command: Redis, log: Logger = silentLogger): { sub: Redis; ready: Promise<void> } {
  const sub = command.duplicate({
    enableReadyCheck: false,
    // the caller re-subscribes after a reconnect, then re-reads what it may have missed (see live-subscriber.ts)
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: null,
  });
  // ioredis reconnects by itself; each state change is worth a line (not a crash, not a line per retry).
  new RedisStateLog(log, "subscriber").watchClient(sub);
  const ready =
    sub.status === "ready" ? Promise.resolve() : new Promise<void>((resolve) => sub.once("ready", () => resolve()));
  return { sub, ready };
}
