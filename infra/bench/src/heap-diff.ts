/**
 * Diagnosis tool (not a bench section): which objects an idle open SSE stream costs the gateway. Starts redis and
 * a gateway (`--heapsnapshot-signal=SIGUSR2`), takes a heap snapshot before and after opening N idle followers, and
 * prints the growth per stream by constructor (count and self bytes), largest first.
 *   node --import tsx src/heap-diff.ts [N=2000]
 */
import { scopeId } from "@acb/schemas";
import { freePort, startRedis, startService } from "@acb/testkit";
import { RedisTurnEventLog, RedisTurnOwners } from "@acb/turns";
import { Redis } from "ioredis";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GATEWAY, Stack } from "./procs.js";
import { sleep } from "./context.js";

const n = Number(process.argv[2] ?? "2000");
const extraEnv = Object.fromEntries(
  (process.argv[3] ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => kv.split("=") as [string, string]),
);
const stack = new Stack(false);
const dir = mkdtempSync(join(tmpdir(), "acb-heapdiff-"));
const r = await startRedis();
stack.register("redis", () => r.stop());
try {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const g = await startService(process.execPath, ["--heapsnapshot-signal=SIGUSR2", GATEWAY], {
    cwd: dir,
    env: {
      OPENAI_API_KEY: "x",
      MODEL_PROVIDER: "openai",
      USE_MCP_IN_CHAT: "false",
      LOG_LEVEL: "warn",
      NODE_OPTIONS: undefined,
      HOST: "127.0.0.1",
      PORT: String(port),
      REDIS_URL: r.url,
      SSE_HEARTBEAT_MS: "30000",
      WATCHDOG_GRACE_MS: "3600000",
      MCP_SERVERS: undefined,
      ...extraEnv,
    },
    ready: async () => (await fetch(`${url}/healthz`)).ok,
    readyTimeoutMs: 30_000,
  });
  stack.register("gateway", () => g.stop(5000));
  const redis = new Redis(r.url, { maxRetriesPerRequest: null });
  stack.register("conn", async () => redis.disconnect());
  const log = new RedisTurnEventLog(redis, { prefix: "acb:" });
  const owners = new RedisTurnOwners(redis, "acb:");
  const prefix = `hd-${Date.now().toString(36)}`;
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < n; i += 500)
    await Promise.all(ids.slice(i, i + 500).map((id) => owners.claim(id, scopeId({}), 3_600_000)));
  for (let i = 0; i < n; i += 500)
    await Promise.all(ids.slice(i, i + 500).map((id) => log.append(id, { event: "token", data: "0" })));
  // Warm the paths once (code, caches) with a few streams, so the diff is per stream, not first-use.
  const client = await stack.child("fanout-client.ts", [], "ready");
  const snapshot = async (): Promise<string> => {
    const before = new Set(readdirSync(dir));
    g.child.kill("SIGUSR2");
    for (;;) {
      await sleep(200);
      const f = readdirSync(dir).find((x) => x.endsWith(".heapsnapshot") && !before.has(x));
      if (f) {
        // written completely once it parses as far as its closing brace
        for (;;) {
          const text = readFileSync(join(dir, f), "utf8").trimEnd();
          if (text.endsWith("]}") || text.endsWith("}")) {
            try {
              JSON.parse(text);
              return join(dir, f);
            } catch {
              // still being written
            }
          }
          await sleep(500);
        }
      }
    }
  };
  await sleep(1000);
  const a = await snapshot();
  client.send(`open ${url} ${prefix} ${n}`);
  const opened = await client.waitLine((l) => l.startsWith("opened "), 300_000);
  process.stderr.write(`${opened}\n`);
  await sleep(2000);
  const b = await snapshot();
  const ca = count(a);
  const cb = count(b);
  retainers(a, b, n);
  const rows: Array<[string, number, number]> = [];
  for (const [k, v] of cb) {
    const w = ca.get(k) ?? { n: 0, bytes: 0 };
    rows.push([k, (v.n - w.n) / n, (v.bytes - w.bytes) / n]);
  }
  rows.sort((x, y) => y[2] - x[2]);
  const total = rows.reduce((s, x) => s + x[2], 0);
  process.stdout.write(`per stream: ${(total / 1024).toFixed(2)} KiB self size growth (N=${n})\n`);
  for (const [k, c, bytes] of rows.slice(0, 60))
    process.stdout.write(`${bytes.toFixed(0).padStart(7)} B ${c.toFixed(2).padStart(7)}x  ${k}\n`);
  await client.stop();
} finally {
  await stack.stopAll();
  rmSync(dir, { recursive: true, force: true });
}

function count(file: string): Map<string, { n: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const step = f.length;
  const iType = f.indexOf("type");
  const iName = f.indexOf("name");
  const iSize = f.indexOf("self_size");
  const out = new Map<string, { n: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += step) {
    const type = types[snap.nodes[i + iType] ?? 0] ?? "?";
    let name = snap.strings[snap.nodes[i + iName] ?? 0] ?? "?";
    if (type === "string" || type === "concatenated string" || type === "sliced string") name = "";
    if (type === "code" || type === "hidden" || type === "array" || type === "number") name = name.slice(0, 40);
    const key = `${type}:${name.slice(0, 80)}`;
    const e = out.get(key) ?? { n: 0, bytes: 0 };
    e.n += 1;
    e.bytes += snap.nodes[i + iSize] ?? 0;
    out.set(key, e);
  }
  return out;
}

interface Snap {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations?: number[];
}

/** The objects new in `b` grouped by what holds them (first strong retainer: parent constructor . edge name). */
function retainers(fa: string, fb: string, n: number): void {
  const A = JSON.parse(readFileSync(fa, "utf8")) as Snap;
  const nf = A.snapshot.meta.node_fields;
  const iId = nf.indexOf("id");
  const old = new Set<number>();
  for (let i = 0; i < A.nodes.length; i += nf.length) old.add(A.nodes[i + iId] ?? 0);
  const B = JSON.parse(readFileSync(fb, "utf8")) as Snap;
  const step = nf.length;
  const types = B.snapshot.meta.node_types[0];
  const ef = B.snapshot.meta.edge_fields;
  const etypes = B.snapshot.meta.edge_types[0];
  const iType = nf.indexOf("type"),
    iName = nf.indexOf("name"),
    iSize = nf.indexOf("self_size"),
    iEc = nf.indexOf("edge_count");
  const eType = ef.indexOf("type"),
    eName = ef.indexOf("name_or_index"),
    eTo = ef.indexOf("to_node");
  const count = B.nodes.length / step;
  const parent = new Int32Array(count).fill(-1);
  const parentEdge: string[] = new Array(count);
  let e = 0;
  for (let ni = 0; ni < count; ni++) {
    const ec = B.nodes[ni * step + iEc] ?? 0;
    for (let k = 0; k < ec; k++, e += ef.length) {
      const et = etypes[B.edges[e + eType] ?? 0] ?? "";
      if (et === "weak" || et === "shortcut") continue;
      const to = (B.edges[e + eTo] ?? 0) / step;
      if (parent[to] !== -1) continue;
      parent[to] = ni;
      const nm = B.edges[e + eName] ?? 0;
      parentEdge[to] = et === "element" || et === "hidden" ? `[${et}]` : (B.strings[nm] ?? "?");
    }
  }
  const label = (ni: number): string => {
    const t = types[B.nodes[ni * step + iType] ?? 0] ?? "?";
    const name =
      t === "string" || t === "concatenated string"
        ? ""
        : (B.strings[B.nodes[ni * step + iName] ?? 0] ?? "").slice(0, 50);
    return `${t}:${name}`;
  };
  const where = new Map<number, string>();
  const loc = B.locations ?? [];
  for (let i = 0; i < loc.length; i += 4)
    where.set((loc[i] ?? 0) / step, `@${loc[i + 1]}:${(loc[i + 2] ?? 0) + 1}:${(loc[i + 3] ?? 0) + 1}`);
  const closures = new Map<string, number>();
  const groups = new Map<string, { n: number; bytes: number }>();
  for (let ni = 0; ni < count; ni++) {
    if (!old.has(B.nodes[ni * step + iId] ?? 0) && types[B.nodes[ni * step + iType] ?? 0] === "closure") {
      const k = `${label(ni)}${where.get(ni) ?? ""} <-${parentEdge[ni] ?? ""}- ${label(parent[ni] ?? 0)}`;
      closures.set(k, (closures.get(k) ?? 0) + 1);
    }
    if (old.has(B.nodes[ni * step + iId] ?? 0)) continue;
    const p = parent[ni] ?? -1;
    const pp = p >= 0 ? (parent[p] ?? -1) : -1;
    const key = `${label(ni)}  <-${parentEdge[ni] ?? ""}- ${p >= 0 ? label(p) : "root"}  <-${p >= 0 ? (parentEdge[p] ?? "") : ""}- ${pp >= 0 ? label(pp) : ""}`;
    const g = groups.get(key) ?? { n: 0, bytes: 0 };
    g.n += 1;
    g.bytes += B.nodes[ni * step + iSize] ?? 0;
    groups.set(key, g);
  }
  process.stdout.write(`--- new closures by location (per stream) ---\n`);
  for (const [k, c] of [...closures].sort((x, y) => y[1] - x[1]).slice(0, 40))
    process.stdout.write(`${(c / n).toFixed(2).padStart(6)}x  ${k}\n`);
  const rows = [...groups].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, 90);
  process.stdout.write(`--- new objects by retainer (per stream) ---\n`);
  for (const [k, g] of rows)
    process.stdout.write(`${(g.bytes / n).toFixed(0).padStart(6)} B ${(g.n / n).toFixed(2).padStart(6)}x  ${k}\n`);
}
