import type { TurnMetrics } from "./metrics.js";
import { tracingEnabled } from "./tracing.js";

/** One turn being executed, as processTurn reports it. */
export interface ObservedTurn {
  /** Every event the executor emits (tokens are counted, the first one timed). */
  event(event: { readonly event: string; readonly data?: unknown }): void;
  /** outcome: completed, already_finished, or the failure's code. Called once. */
  finished(outcome: string): void;
}

/** The hook processTurn calls; the runner and the embedded gateway pass one built on their registry. */
export interface TurnObserver {
  started(job: { readonly mode: string; readonly enqueued_at: number }): ObservedTurn;
}

/** Turn metrics from processTurn's hook: started/finished counts, queue wait, time to first token, duration, tokens. */
export function turnObserver(metrics: TurnMetrics): TurnObserver {
  return {
    started(job) {
      const mode = job.mode;
      const startedAt = Date.now();
      const t0 = performance.now();
      let firstToken = true;
      let ended = false;
      metrics.started.inc({ mode });
      metrics.inFlight.inc();
      metrics.queueWait.observe({ mode }, Math.max(0, startedAt - job.enqueued_at) / 1000);
      return {
        event(event) {
          if (event.event !== "token") return;
          if (firstToken) {
            firstToken = false;
            metrics.firstToken.observe({ mode }, (performance.now() - t0) / 1000);
          }
          metrics.streamedTokens.inc({ mode });
          if (typeof event.data === "string") metrics.streamedChars.inc({ mode }, event.data.length);
        },
        finished(outcome) {
          if (ended) return;
          ended = true;
          metrics.inFlight.dec();
          metrics.finished.inc({ mode, outcome });
          metrics.duration.observe({ mode, outcome }, (performance.now() - t0) / 1000);
        },
      };
    },
  };
}

/** What the model-call observer (`@acb/chains`' observeModel) reports into: the same shape, without depending on it. */
export interface ModelCallHooks {
  readonly trace: boolean;
  readonly onUsage: (inputTokens: number, outputTokens: number) => void;
  readonly onCall: (outcome: "ok" | "error") => void;
}

/** Model-call telemetry for a turn executor: token and call counts always, `chat {model}` spans when tracing is on. */
export function modelCallHooks(metrics: TurnMetrics): ModelCallHooks {
  return {
    trace: tracingEnabled(),
    onUsage: (input, output) => {
      metrics.modelTokens.inc({ type: "input" }, input);
      metrics.modelTokens.inc({ type: "output" }, output);
    },
    onCall: (outcome) => metrics.modelCalls.inc({ outcome }),
  };
}
