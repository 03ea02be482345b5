/**
 * Finding: one search_text call with a regex bomb on a long one-line file grew the server to gigabytes.
 * A real server process, the SDK client, a 4 MiB line of `a`s: the server's peak RSS (VmHWM) must stay
 * within +150 MB and the answer must come within the search time cap. The test watches the server's RSS
 * while the call runs and kills it past the limit, so a regression fails fast instead of eating the machine.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, connectHttp, startHttpServer, TOKEN, type Conn, type HttpProc } from "./helpers.js";

const LIMIT_KB = 150 * 1024;
const SEARCH_MS = 2000;

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

let dir: string;
let srv: HttpProc;
let conn: Conn;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcpfs-bomb-"));
  writeFileSync(join(dir, "line.txt"), `${"a".repeat(4 * 1024 * 1024)}\n`);
  srv = await startHttpServer(["--root", dir], {
    MCP_AUTH_TOKEN: TOKEN,
    FILESERVER_SEARCH_TIME_MS: String(SEARCH_MS),
    FILESERVER_SEARCH_MAX_FILE_BYTES: String(8 * 1024 * 1024),
  });
  conn = await connectHttp(srv.base, TOKEN, srv.output);
});

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("search_text regex bombs on a 4 MiB one-line file", () => {
  it.each([
    ["a?{100}a{100}b (no captures)", `${"a?".repeat(100)}${"a".repeat(100)}b`],
    ["(a?){240}b (capture registers)", `${"(a?)".repeat(240)}b`],
  ])(
    "%s: bounded memory, answered within the time cap, server still serving",
    async (_name, query) => {
      const pid = srv.child.pid ?? 0;
      const base = statusKb(pid, "VmRSS");
      let peakSeen = base;
      let killed = false;
      let healthOk = 0;
      const watch = setInterval(() => {
        try {
          const rss = statusKb(pid, "VmRSS");
          peakSeen = Math.max(peakSeen, rss);
          if (rss - base > LIMIT_KB && !killed) {
            killed = true;
            srv.child.kill("SIGKILL");
          }
        } catch {
          // the process is gone
        }
      }, 25);
      // another client's health checks keep being answered while the search runs
      const probes: Array<Promise<unknown>> = [];
      const probe = setInterval(() => {
        probes.push(
          fetch(`${srv.base}/healthz`, { signal: AbortSignal.timeout(1500) }).then(
            (r) => (healthOk += r.ok ? 1 : 0),
            () => undefined,
          ),
        );
      }, 200);
      const o = await Promise.race([
        call(conn.client, "search_text", { query, regex: true }),
        new Promise<null>((r) => setTimeout(() => r(null), SEARCH_MS + 8000)),
      ]);
      clearInterval(watch);
      clearInterval(probe);
      await Promise.all(probes); // a probe sent during the search counts when it is answered (within its 1.5 s)
      const hwm = killed ? peakSeen : statusKb(pid, "VmHWM");
      console.log(
        `[bomb] ${_name}: rss before ${base} kB, peak ${hwm} kB (+${((hwm - base) / 1024).toFixed(1)} MB), ${o?.ms ?? "no answer"} ms, killed=${killed}`,
      );
      expect(killed, `server RSS went past +150 MB (peak seen ${peakSeen} kB from ${base} kB)`).toBe(false);
      expect(o, "no answer").not.toBeNull();
      expect(o?.ms ?? Infinity).toBeLessThan(SEARCH_MS + 3000);
      expect(hwm - base).toBeLessThan(LIMIT_KB);
      expect(o?.refused, o?.text.slice(0, 300)).toBe(false);
      expect(o?.structured).toMatchObject({ truncated: true, truncated_reason: "time" });
      expect(JSON.stringify(o?.structured?.notes ?? [])).toMatch(/window/);
      expect(healthOk).toBeGreaterThan(0);
    },
    30_000,
  );
});

describe("a very long line searched in windows", () => {
  // Its own server with a generous time cap: this checks that windows find the match at the far end of a 4 MiB
  // line, not how fast a loaded machine scans it (the bombs above keep the short cap).
  let slow: HttpProc;
  let slowConn: Conn;
  beforeAll(async () => {
    slow = await startHttpServer(["--root", dir], {
      MCP_AUTH_TOKEN: TOKEN,
      FILESERVER_SEARCH_TIME_MS: "25000",
      FILESERVER_SEARCH_MAX_FILE_BYTES: String(8 * 1024 * 1024),
    });
    slowConn = await connectHttp(slow.base, TOKEN, slow.output);
  });
  afterAll(async () => {
    await slowConn?.close().catch(() => undefined);
    await slow?.stop();
  });

  it("a regex match inside a very long line is still found, with the matched text shown around the match", async () => {
    const o = await call(slowConn.client, "search_text", { query: "a{3}$", regex: true });
    expect(o.refused, o.text.slice(0, 300)).toBe(false);
    const matches = o.structured?.matches as Array<{ path: string; line: number; text: string }>;
    expect(matches).toHaveLength(1);
    expect(matches[0]?.line).toBe(1);
    expect(matches[0]?.text.length).toBeLessThan(1000);
  }, 60_000);
});
