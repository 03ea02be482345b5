/**
 * The scripted OpenAI-compatible upstream, run as its own process so it does not share an event loop with
 * the bench's clients. The last user message decides the answer: `bench:<tokens>:<delayMs>` streams
 * <tokens> chunks ("t0 ", "t1 ", …), the first at once and each next one <delayMs> later. Prints
 * `listening <url>` when up.
 */
import { startScriptedOpenAI, type RecordedRequest, type ScriptedReply } from "@acb/testkit";

function lastUserText(req: RecordedRequest): string {
  for (let i = req.body.messages.length - 1; i >= 0; i--) {
    const m = req.body.messages[i];
    if (m?.role === "user") return typeof m.content === "string" ? m.content : JSON.stringify(m.content);
  }
  return "";
}

const chunkCache = new Map<number, string[]>();
function chunks(n: number): string[] {
  let c = chunkCache.get(n);
  if (!c) {
    c = Array.from({ length: n }, (_, i) => `t${i} `);
    chunkCache.set(n, c);
  }
  return c;
}

export function benchScript(req: RecordedRequest): ScriptedReply {
  const m = /bench:(\d+):(\d+)/.exec(lastUserText(req));
  const tokens = Math.max(1, Number(m?.[1] ?? "8"));
  const delayMs = Number(m?.[2] ?? "0");
  return delayMs > 0 ? { kind: "text", chunks: chunks(tokens), delayMs } : { kind: "text", chunks: chunks(tokens) };
}

const server = await startScriptedOpenAI({ script: benchScript });
// Recorded requests would grow without bound over a bench run.
setInterval(() => server.requests.splice(0), 1_000).unref();
process.stdout.write(`listening ${server.url}\n`);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
