/**
 * Runner takeover: 20 turns stream slowly on ONE runner; a second runner is started; the first is killed with
 * SIGKILL. For each turn: the time from the kill to its first token from the runner that took it over (BullMQ's
 * stall check finds the dead runner's jobs within ~1.5 × RUNNER_LOCK_MS; the rest is the takeover itself).
 *
 * Standalone: `npx tsx src/sections/takeover.ts [lockMs]` (builds are used from apps/<app>/dist).
 */
import {
  splitWords,
  startRedis,
  startScriptedOpenAI,
  startService,
  streamSse,
  type RecordedRequest,
  type ScriptedReply,
  freePort,
} from "@acb/testkit";
import { GATEWAY, RUNNER } from "../procs.js";
import { summarize, type Summary } from "../stats.js";

const CONTINUE = "Your previous reply was cut off. Continue it exactly where it stops, without repeating any of it.";
const ANSWER = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
const text = (c: unknown): string => (typeof c === "string" ? c : JSON.stringify(c));

function script(req: RecordedRequest): ScriptedReply {
  const last = req.body.messages.at(-1);
  if (last !== undefined && text(last.content) === CONTINUE)
    return {
      kind: "text",
      chunks: splitWords(ANSWER.slice(text(req.body.messages.at(-2)?.content).length)),
      delayMs: 10,
    };
  return { kind: "text", chunks: splitWords(ANSWER), delayMs: 150 };
}

export interface TakeoverResult {
  readonly turns: number;
  readonly lockMs: number;
  /** Kill → first token after it, per turn (ms). */
  readonly killToContinued: Summary;
  readonly wholeAnswers: number;
}

export async function runTakeover(
  turns = 20,
  lockMs = 2_000,
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<TakeoverResult> {
  const redis = await startRedis();
  const upstream = await startScriptedOpenAI({ script });
  const env = {
    REDIS_URL: redis.url,
    OPENAI_BASE_URL: upstream.url,
    USE_MCP_IN_CHAT: "false",
    LOG_LEVEL: "warn",
    MODEL_MAX_RETRIES: "0",
    RUNNER_LOCK_MS: String(lockMs),
    RUNNER_CONCURRENCY: "64",
    RUNNER_HEARTBEAT_MS: "500",
    METRICS_PORT: "0",
  };
  const startRunner = () =>
    startService(process.execPath, [RUNNER], {
      name: "agent-runner",
      env: { ...env, LOG_LEVEL: "info" },
      ready: (out) => out().includes('"msg":"ready"'),
      readyTimeoutMs: 30_000,
    });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = await startService(process.execPath, [GATEWAY], {
    name: "chat-gateway",
    env: { ...env, HOST: "127.0.0.1", PORT: String(port) },
    ready: async () => (await fetch(`${url}/healthz`)).ok,
  });
  const doomed = await startRunner();
  const survivor: { stop(ms?: number): Promise<unknown> }[] = [];
  try {
    let killedAt = 0;
    const streams = Array.from({ length: turns }, (_, i) => ({ i, tokens: [] as Array<{ at: number; data: string }> }));
    const reading = streams.map(async (s) => {
      const res = await fetch(`${url}/v1/chat/stream`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ session_id: `take-${s.i}`, input: "go" }),
      });
      for await (const m of streamSse(res))
        if (m.event === "token") s.tokens.push({ at: performance.now(), data: m.data });
    });
    while (!streams.every((s) => s.tokens.length >= 3)) await new Promise((r) => setTimeout(r, 20));
    survivor.push(await startRunner());
    killedAt = performance.now();
    doomed.kill("SIGKILL");
    await Promise.all(reading);
    const gaps = streams.flatMap((s) => {
      const after = s.tokens.find((t) => t.at > killedAt);
      return after !== undefined ? [after.at - killedAt] : [];
    });
    const result: TakeoverResult = {
      turns,
      lockMs,
      killToContinued: summarize(gaps),
      wholeAnswers: streams.filter((s) => s.tokens.map((t) => t.data).join("") === ANSWER).length,
    };
    log(
      `  takeover: ${result.wholeAnswers}/${turns} whole answers; kill → continued on another runner p50 ${result.killToContinued.p50} ms, p99 ${result.killToContinued.p99} ms (RUNNER_LOCK_MS=${lockMs})`,
    );
    return result;
  } finally {
    for (const s of survivor) await s.stop(1_000);
    await doomed.stop(100);
    await gateway.stop();
    await upstream.close();
    await redis.stop();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === new URL(`file://${entry}`).href) {
  const lockMs = Number(process.argv[2] ?? "2000");
  runTakeover(20, Number.isFinite(lockMs) ? lockMs : 2_000)
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
