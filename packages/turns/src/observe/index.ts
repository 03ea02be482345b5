/**
 * Decorators that observe the turn ports without changing them: the composition roots wrap the queue and the
 * event log they built; the adapters and their contract suites stay as they are.
 */
import type { LoggedTurnEvent, TurnJob } from "@acb/schemas";
import { currentTraceCarrier, inSpan, SpanKind, tracingEnabled, type GatewayMetrics } from "@acb/telemetry";
import type { TurnEventLog } from "../event-log/types.js";
import type { TurnQueue } from "../queue/types.js";
import { tap, type TapHooks } from "../tap.js";

/**
 * Enqueues inside a `send` producer span and carries its W3C context in the job (`trace`), so the runner's
 * spans join the gateway request's trace; counts accepted turns. Plain enqueue when tracing is off.
 */
export function observedTurnQueue<Q extends TurnQueue>(queue: Q, metrics?: Pick<GatewayMetrics, "turnsEnqueued">): Q {
  const enqueue = async (job: TurnJob): Promise<void> => {
    if (!tracingEnabled()) await queue.enqueue(job);
    else {
      await inSpan(
        "send acb-turns",
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            "messaging.operation.type": "send",
            "messaging.destination.name": "acb-turns",
            "messaging.message.id": job.turn_id,
            "acb.turn.mode": job.mode,
          },
        },
        async () => {
          const trace = currentTraceCarrier();
          await queue.enqueue(trace !== undefined ? { ...job, trace } : job);
        },
      );
    }
    metrics?.turnsEnqueued.inc({ mode: job.mode });
  };
  return overriding(queue, "enqueue", enqueue);
}

/** `target` with one method replaced; every other method stays bound to `target` (adapters use private fields). */
function overriding<T extends object, K extends keyof T>(target: T, name: K, replacement: T[K]): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop === name) return replacement;
      const value: unknown = Reflect.get(t, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** The ms timestamp of an entry id (`<ms>-<seq>`, Redis Stream and in-memory logs alike). */
function entryMs(id: string): number {
  const dash = id.indexOf("-");
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/**
 * Counts open readers (`acb_stream_followers`) and the turns they follow (`acb_streams_open`), and times
 * each live event from its append (the entry id's ms) to its delivery (`acb_fanout_lag_seconds`). Events
 * appended before the reader started are catch-up, not fan-out, and are not timed.
 */
export function observedEventLog(
  log: TurnEventLog,
  metrics: Pick<GatewayMetrics, "followers" | "followedTurns" | "fanoutLag">,
): TurnEventLog {
  const perTurn = new Map<string, number>();
  // A tap (not an async generator layer): it stays with every idle open stream (see tap.ts).
  const follow = (turnId: string, afterId: string, signal: AbortSignal): AsyncIterable<LoggedTurnEvent> =>
    tap(log.follow(turnId, afterId, signal), new ObservedFollow(turnId, perTurn, metrics));
  return overriding(log, "follow", follow);
}

/** One reader's metrics: counted while open, each live event timed from its append. */
class ObservedFollow implements TapHooks<LoggedTurnEvent> {
  private since = 0;

  constructor(
    private readonly turnId: string,
    private readonly perTurn: Map<string, number>,
    private readonly metrics: Pick<GatewayMetrics, "followers" | "followedTurns" | "fanoutLag">,
  ) {}

  onStart(): void {
    this.since = Date.now();
    this.metrics.followers.inc();
    const n = (this.perTurn.get(this.turnId) ?? 0) + 1;
    this.perTurn.set(this.turnId, n);
    if (n === 1) this.metrics.followedTurns.inc();
  }

  onItem(entry: LoggedTurnEvent): void {
    const appended = entryMs(entry.id);
    if (appended >= this.since) this.metrics.fanoutLag.observe(Math.max(0, Date.now() - appended) / 1000);
  }

  onEnd(): void {
    this.metrics.followers.dec();
    const left = (this.perTurn.get(this.turnId) ?? 1) - 1;
    if (left > 0) this.perTurn.set(this.turnId, left);
    else {
      this.perTurn.delete(this.turnId);
      this.metrics.followedTurns.dec();
    }
  }
}
