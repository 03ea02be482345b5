/** Starting and stopping the processes of a bench run; everything started is registered for cleanup. */
import {
  exitOf,
  freePort,
  startRedis,
  startRedisCluster,
  startService,
  type PrivateRedis,
  type PrivateRedisCluster,
  type ServiceProcess,
} from "@acb/testkit";
import { Redis } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const app = (name: string): string => fileURLToPath(new URL(`../../../apps/${name}/dist/main.js`, import.meta.url));
export const GATEWAY = app("chat-gateway");
export const RUNNER = app("agent-runner");
export const PROF_DIR = fileURLToPath(new URL("../results/prof", import.meta.url));
const TSX = import.meta.resolve("tsx");
const HEAP_PROBE = new URL("./heap-probe.mjs", import.meta.url).href;

/** Env for every bench service: no MCP, no inherited model or Redis settings, quiet logs. */
const BASE_ENV: Record<string, string | undefined> = {
  OPENAI_API_KEY: "bench",
  OPENAI_BASE_URL: undefined,
  MODEL_PROVIDER: "openai",
  REDIS_URL: undefined,
  MCP_SERVERS: undefined,
  MCP_SERVER_URL: undefined,
  MCP_TRANSPORT: undefined,
  USE_MCP_IN_CHAT: "false",
  LOG_LEVEL: "warn",
  MODEL_MAX_RETRIES: "0",
  NODE_OPTIONS: undefined,
};

type Stopper = () => Promise<unknown>;

export class Stack {
  private readonly stoppers: Array<{ name: string; stop: Stopper }> = [];

  constructor(readonly profile: boolean) {}

  register(name: string, stop: Stopper): () => Promise<void> {
    const entry = { name, stop };
    this.stoppers.push(entry);
    return async () => {
      const i = this.stoppers.indexOf(entry);
      if (i === -1) return;
      this.stoppers.splice(i, 1);
      await stop().catch(() => undefined);
    };
  }

  /** Stops everything still running, newest first. Never throws. */
  async stopAll(): Promise<void> {
    while (this.stoppers.length > 0) {
      const s = this.stoppers.pop();
      if (s)
        await s
          .stop()
          .catch((err: unknown) => process.stderr.write(`bench: stopping ${s.name} failed: ${String(err)}\n`));
    }
  }

  private nodeArgs(): string[] {
    if (!this.profile) return [];
    mkdirSync(PROF_DIR, { recursive: true });
    return ["--cpu-prof", "--cpu-prof-dir", PROF_DIR];
  }

  async redis(): Promise<PrivateRedis & { stop(): Promise<void> }> {
    const r = await startRedis();
    const stop = this.register("redis-server", () => r.stop());
    const admin = new Redis(r.url, { maxRetriesPerRequest: null, lazyConnect: true });
    await admin.connect();
    // Room for 10,000+ client connections (redis-server caps this by its own fd limit).
    await admin.config("SET", "maxclients", "19000").catch(() => undefined);
    admin.disconnect();
    return { ...r, stop };
  }

  /** A private Redis Cluster (`masters` masters, a replica each), room for 10,000+ clients on every node. */
  async redisCluster(masters: number): Promise<PrivateRedisCluster> {
    const c = await startRedisCluster({ masters });
    this.register("redis cluster", () => c.stop());
    // A node that misses 2 s of pings on a loaded 2-core box is failed over (the testkit's timeout, for failover
    // tests); a bench must measure the same masters from start to end.
    for (const n of c.nodes) c.cli(n.port, "CONFIG", "SET", "maxclients", "19000");
    for (const n of c.nodes) c.cli(n.port, "CONFIG", "SET", "cluster-node-timeout", "60000");
    return c;
  }

  /** The scripted upstream in its own process. */
  async upstream(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
    const script = fileURLToPath(new URL("./upstream.ts", import.meta.url));
    const proc = await startService(process.execPath, ["--import", TSX, script], {
      name: "scripted-upstream",
      ready: (out) => out().includes("listening "),
      readyTimeoutMs: 30_000,
    });
    const url = /listening (\S+)/.exec(proc.output())?.[1];
    if (!url) throw new Error("upstream printed no url");
    const stop = this.register("upstream", () => proc.stop(3000));
    return { url, pid: proc.child.pid ?? 0, stop };
  }

  /** `heapProbe`: the gateway answers SIGUSR2 with its heap after a full GC (heap-probe.mjs, see {@link heapUsedBytes}). */
  async gateway(
    env: Record<string, string | undefined>,
    opts: { heapProbe?: boolean } = {},
  ): Promise<{ url: string; pid: number; proc: ServiceProcess; stop: () => Promise<void> }> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const probe = opts.heapProbe === true ? ["--expose-gc", "--import", HEAP_PROBE] : [];
    const proc = await startService(process.execPath, [...this.nodeArgs(), ...probe, GATEWAY], {
      name: "chat-gateway",
      env: { ...BASE_ENV, HOST: "127.0.0.1", PORT: String(port), ...env },
      ready: async () => (await fetch(`${url}/healthz`)).ok,
      readyTimeoutMs: 30_000,
    });
    const stop = this.register("chat-gateway", () => proc.stop(10_000));
    return { url, pid: proc.child.pid ?? 0, proc, stop };
  }

  /** A runner is ready once it logged "ready"; it logs at info, one line per turn. */
  async runner(
    env: Record<string, string | undefined>,
  ): Promise<{ pid: number; proc: ServiceProcess; stop: () => Promise<void> }> {
    const proc = await startService(process.execPath, [...this.nodeArgs(), RUNNER], {
      name: "agent-runner",
      // No probe listener: several runners share this host (a taken METRICS_PORT fails the start).
      env: { ...BASE_ENV, LOG_LEVEL: "info", RUNNER_HEARTBEAT_MS: "1000", METRICS_PORT: "0", ...env },
      ready: (output) => output().includes('"msg":"ready"'),
      readyTimeoutMs: 30_000,
    });
    const stop = this.register("agent-runner", () => proc.stop(10_000));
    return { pid: proc.child.pid ?? 0, proc, stop };
  }

  /** A bench TypeScript module (src/<file>) in its own process, with a line protocol on stdout. */
  async child(file: string, args: string[], readyLine: string): Promise<BenchChild> {
    const script = fileURLToPath(new URL(`./${file}`, import.meta.url));
    const child = spawn(process.execPath, ["--max-old-space-size=2048", "--import", TSX, script, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    const bc = new BenchChild(child, file);
    this.register(file, () => bc.stop());
    bc.readyLine = await bc.waitLine((l) => l.startsWith(readyLine), 30_000);
    return bc;
  }
}

/** A child process speaking one JSON (or plain) line per message on stdout. */
export class BenchChild {
  private lines: string[] = [];
  private waiters: Array<{ match: (l: string) => boolean; resolve: (l: string) => void }> = [];
  private stderr = "";
  private readonly exited: Promise<number | null>;
  /** The line that said the child was ready. */
  readyLine = "";

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    let buf = "";
    child.stdout?.on("data", (b: Buffer) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf("\n")) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = this.waiters.find((x) => x.match(line));
        if (w) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        } else this.lines.push(line);
      }
    });
    child.stderr?.on("data", (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-20_000);
    });
    this.exited = exitOf(child).then((e) => e.code);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  async waitLine(match: (l: string) => boolean, timeoutMs: number): Promise<string> {
    const i = this.lines.findIndex(match);
    if (i !== -1) return this.lines.splice(i, 1)[0] ?? "";
    return await new Promise<string>((resolve, reject) => {
      const w = { match, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${this.name}: no expected line within ${timeoutMs} ms\n--- stderr ---\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.push(w);
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${String(code)})\n--- stderr ---\n${this.stderr}`));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A heap-probed service's live heap after a forced full GC (bytes): SIGUSR2, then its next `heap-used` line. */
export async function heapUsedBytes(proc: ServiceProcess, timeoutMs = 30_000): Promise<number> {
  const count = (): number => proc.output().match(/^heap-used \d+$/gm)?.length ?? 0;
  const before = count();
  proc.child.kill("SIGUSR2");
  const until = Date.now() + timeoutMs;
  while (count() === before) {
    if (Date.now() > until) return Number.NaN;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Number(
    /heap-used (\d+)\s*$/.exec(
      proc
        .output()
        .match(/^heap-used \d+$/gm)
        ?.at(-1) ?? "",
    )?.[1] ?? "NaN",
  );
}

/** Resident set size of a process in MiB (from /proc), or NaN. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak. */
export function rssSampler(pid: number, everyMs = 250): { peak: () => number; stop: () => number } {
  let peak = rssMiB(pid);
  const t = setInterval(() => {
    const v = rssMiB(pid);
    if (Number.isFinite(v) && !(v <= peak)) peak = v;
  }, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(t);
      return peak;
    },
  };
}

/** The first few CLIENT LIST lines of connections named `name`, reduced to the telling fields. */
export async function redisClientLines(redis: Redis, name: string, max = 5): Promise<string[]> {
  const keep = new Set([
    "id",
    "name",
    "age",
    "idle",
    "flags",
    "sub",
    "psub",
    "multi",
    "qbuf",
    "omem",
    "tot-mem",
    "cmd",
  ]);
  return String(await redis.client("LIST"))
    .split("\n")
    .filter((l) => l.includes(` name=${name} `))
    .slice(0, max)
    .map((l) =>
      l
        .split(" ")
        .filter((kv) => keep.has(kv.split("=")[0] ?? ""))
        .join(" "),
    );
}

/** Redis client connections whose CLIENT SETNAME is exactly `name`. */
export async function redisConnections(redis: Redis, name: string): Promise<number> {
  const list = String(await redis.client("LIST"));
  return list.split("\n").filter((l) => l.includes(` name=${name} `)).length;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export interface RedisCost {
  /** Redis CPU seconds (user + sys, main thread and all). */
  readonly cpuS: number;
  /** Per command: calls and microseconds per call, from INFO commandstats since the last reset. */
  readonly commands: Record<string, { calls: number; usecPerCall: number; usec: number }>;
}

/**
 * Starts measuring the CPU seconds of some processes (by role) and of redis-server; the returned function
 * gives each one's use since the start, plus `bench client` for this process.
 */
export async function cpuMeter(
  ctx: { admin: Redis },
  pids: Record<string, number>,
): Promise<() => Promise<Record<string, number>>> {
  const start = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, cpuSeconds(pid)]));
  const redis0 = await redisCpu(ctx.admin);
  const self0 = process.cpuUsage();
  return async () => {
    const out: Record<string, number> = {};
    for (const [role, pid] of Object.entries(pids))
      out[role] = Math.round((cpuSeconds(pid) - (start[role] ?? 0)) * 100) / 100;
    out["redis-server"] = Math.round(((await redisCpu(ctx.admin)) - redis0) * 100) / 100;
    const self = process.cpuUsage(self0);
    out["bench client"] = Math.round((self.user + self.system) / 1e4) / 100;
    return out;
  };
}

export async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? "NaN");
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? "NaN");
  return user + sys;
}

export async function redisCommandStats(redis: Redis): Promise<RedisCost["commands"]> {
  const info = await redis.info("commandstats");
  const out: RedisCost["commands"] = {};
  for (const m of info.matchAll(/cmdstat_(\S+?):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/g)) {
    out[m[1] ?? "?"] = { calls: Number(m[2]), usec: Number(m[3]), usecPerCall: Number(m[4]) };
  }
  return out;
}

/** Command stats divided by a number of requests (admin commands of the bench left out), busiest first. */
export function perRequest(
  stats: RedisCost["commands"],
  requests: number,
): Record<string, { calls: number; usecPerCall: number }> {
  const out: Record<string, { calls: number; usecPerCall: number }> = {};
  for (const [name, v] of Object.entries(stats).sort((a, b) => b[1].usec - a[1].usec)) {
    if (name === "info" || name.startsWith("config") || name === "client|list") continue;
    out[name] = { calls: Math.round((v.calls / requests) * 100) / 100, usecPerCall: v.usecPerCall };
  }
  return out;
}

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const MEASURED = [
  "apps/chat-gateway",
  "apps/agent-runner",
  "packages/turns",
  "packages/engine",
  "packages/chains",
  "packages/history",
  "packages/schemas",
  "packages/telemetry",
  "packages/logger",
];

/** The code being measured: HEAD, whether its sources differ from it, and when its dist was last built. */
export function codeVersion(): { commit: string; dirtySources: string[]; distBuiltAt: string } {
  let commit = "?";
  let dirtySources: string[] = [];
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
    dirtySources = execFileSync("git", ["status", "--porcelain", "--", ...MEASURED.map((d) => `${d}/src`)], {
      cwd: REPO,
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean)
      .map((l) => l.slice(3));
  } catch {
    // not a git checkout
  }
  return { commit, dirtySources, distBuiltAt: new Date(distMtime()).toISOString() };
}

/** Newest mtime (ms) of the measured packages' dist files: if it moves during a run, someone rebuilt under us. */
export function distMtime(): number {
  let newest = 0;
  for (const d of MEASURED) {
    const dir = `${REPO}${d}/dist`;
    const walk = (p: string): void => {
      for (const name of readdirSync(p)) {
        const full = `${p}/${name}`;
        const st = statSync(full);
        if (st.isDirectory()) walk(full);
        else if (name.endsWith(".js") && st.mtimeMs > newest) newest = st.mtimeMs;
      }
    };
    try {
      walk(dir);
    } catch {
      // not built
    }
  }
  return newest;
}
