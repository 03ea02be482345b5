/**
 * The two fan-out designs people usually build instead of a multiplexed reader, minimal, on node:http, with
 * the same route as the gateway (GET /v1/turns/{id}/events, SSE, replay from the start, end at `done`):
 *   xread  — one ioredis connection per open stream, each looping on a blocking XREAD;
 *   pubsub — one shared subscriber connection, one SUBSCRIBE per turn channel (the appender PUBLISHes each
 *            event after its XADD), an XRANGE for what was appended before the subscription.
 * Usage: naive-server.ts <xread|pubsub> <redisUrl> <prefix>. Prints `listening <port>`.
 */
import { Redis } from "ioredis";
import { createServer, type ServerResponse } from "node:http";

const [mode, redisUrl, prefix = "acb:"] = process.argv.slice(2);
if ((mode !== "xread" && mode !== "pubsub") || !redisUrl) {
  process.stderr.write("usage: naive-server.ts <xread|pubsub> <redisUrl> [prefix]\n");
  process.exit(2);
}
const connectionName = `acb-naive:${process.pid}`;
const connect = (): Redis => {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName, enableOfflineQueue: true });
  r.on("error", () => undefined);
  return r;
};
const command = connect();
const key = (turnId: string): string => `${prefix}turn:{${turnId}}:events`;

function fieldsOf(fields: readonly string[]): { e: string; d: string } {
  let e = "";
  let d = "";
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === "e") e = fields[i + 1] ?? "";
    else if (fields[i] === "d") d = fields[i + 1] ?? "";
  }
  return { e, d };
}

const sse = (res: ServerResponse, id: string | undefined, e: string, d: string): void => {
  res.write(`${id !== undefined ? `id: ${id}\n` : ""}event: ${e}\ndata: ${d}\n\n`);
};

type Entry = [string, string[]];

async function serveXread(turnId: string, res: ServerResponse): Promise<void> {
  const conn = connect();
  let closed = false;
  res.on("close", () => {
    closed = true;
    conn.disconnect();
  });
  let last = "0-0";
  try {
    while (!closed) {
      const reply = (await conn.call("XREAD", "BLOCK", "0", "STREAMS", key(turnId), last)) as Array<
        [string, Entry[]]
      > | null;
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last = id;
          const { e, d } = fieldsOf(fields);
          sse(res, id, e, d);
          if (e === "done") {
            res.end();
            conn.disconnect();
            return;
          }
        }
      }
    }
  } catch {
    if (!closed) res.destroy();
  }
}

const subscriber = mode === "pubsub" ? connect() : undefined;
const listeners = new Map<string, Set<(e: string, d: string) => void>>();
subscriber?.on("message", (channel: string, message: string) => {
  const set = listeners.get(channel);
  if (!set) return;
  const { e, d } = JSON.parse(message) as { e: string; d: string };
  for (const fn of set) fn(e, d);
});

async function servePubsub(turnId: string, res: ServerResponse): Promise<void> {
  const channel = key(turnId);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    const set = listeners.get(channel);
    set?.delete(onMessage);
    if (set && set.size === 0) {
      listeners.delete(channel);
      void subscriber?.unsubscribe(channel).catch(() => undefined);
    }
    res.end();
  };
  const pending: Array<[string, string]> = [];
  let replaying = true;
  const onMessage = (e: string, d: string): void => {
    if (replaying) {
      pending.push([e, d]);
      return;
    }
    sse(res, undefined, e, d);
    if (e === "done") end();
  };
  res.on("close", end);
  let set = listeners.get(channel);
  if (!set) {
    set = new Set();
    listeners.set(channel, set);
    await subscriber?.subscribe(channel);
  }
  set.add(onMessage);
  // What was appended before the subscription: replay it, then the live messages it did not already cover
  // (a message published between SUBSCRIBE and XRANGE is in both; event data are unique in this bench).
  const history = (await command.xrange(key(turnId), "-", "+")) as Entry[];
  const replayed = new Set<string>();
  for (const [id, fields] of history) {
    const { e, d } = fieldsOf(fields);
    replayed.add(d);
    sse(res, id, e, d);
    if (e === "done") return end();
  }
  replaying = false;
  for (const [e, d] of pending) if (!replayed.has(d)) onMessage(e, d);
}

const server = createServer((req, res) => {
  const m = /^\/v1\/turns\/([A-Za-z0-9_-]{8,64})\/events$/.exec(req.url ?? "");
  if (!m?.[1]) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  void (mode === "xread" ? serveXread(m[1], res) : servePubsub(m[1], res)).catch(() => res.destroy());
});
server.keepAliveTimeout = 0;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  command.disconnect();
  subscriber?.disconnect();
  process.exit(0);
});
