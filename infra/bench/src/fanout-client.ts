/**
 * The fan-out load generator, in its own process so its event loop is not the appender's. Commands on stdin
 * (one per line): `open <base> <idPrefix> <n>` opens n SSE followers of GET <base>/v1/turns/<idPrefix>-<i>/events
 * and answers `opened {json}` once every response has its headers (or failed); `report` answers
 * `result {json}` with the lag figures of every token whose data is an append timestamp (ms since epoch).
 * Lag = time the client parsed the event − time the bench appended it.
 */
import { SseParser } from "@acb/schemas";
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";
import { nowMs, summarize } from "./stats.js";

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const lags: number[] = [];
let tokens = 0;
let done = 0;
let failed = 0;
let errors: string[] = [];
const OPEN_PARALLEL = 500;

function follow(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        failed += 1;
        if (errors.length < 5) errors.push(`HTTP ${res.statusCode ?? 0}`);
        res.resume();
        resolve(false);
        return;
      }
      resolve(true);
      const parser = new SseParser();
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        const at = nowMs();
        for (const m of parser.feed(text)) {
          if (m.event === "token") {
            tokens += 1;
            const ts = Number(m.data);
            if (ts > 1e12) lags.push(at - ts);
          } else if (m.event === "done") done += 1;
        }
      });
      res.on("error", () => undefined);
    });
    req.on("error", (err) => {
      failed += 1;
      if (errors.length < 5) errors.push(err.message);
      resolve(false);
    });
    req.end();
  });
}

async function open(base: string, prefix: string, n: number): Promise<void> {
  const started = nowMs();
  let next = 0;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      if (await follow(`${base}/v1/turns/${prefix}-${i}/events`)) ok += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_PARALLEL, n) }, worker));
  process.stdout.write(`opened ${JSON.stringify({ ok, failed, ms: nowMs() - started, errors })}\n`);
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const [cmd, ...args] = line.trim().split(" ");
  if (cmd === "open") {
    lags.length = 0;
    tokens = 0;
    done = 0;
    failed = 0;
    errors = [];
    void open(args[0] ?? "", args[1] ?? "s", Number(args[2] ?? "1"));
  } else if (cmd === "status") {
    process.stdout.write(`status ${JSON.stringify({ tokens, done, failed })}\n`);
  } else if (cmd === "report") {
    process.stdout.write(`result ${JSON.stringify({ tokens, done, failed, lag: summarize(lags), errors })}\n`);
  }
});
process.on("SIGTERM", () => process.exit(0));
process.stdout.write("ready\n");
