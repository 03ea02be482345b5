// Runs every workspace package's `test` script, two at a time, the longest suites first, and ends with one tally.
// Why not `turbo run test`: turbo starts tasks in its own order, and on a 2-core box the suite that takes longest
// (infra/e2e) then starts last and runs alone at the end. Here the order is ours, each package's output is printed
// whole when it ends (not interleaved), and the closing table says how long each one took.
//
// Usage: node scripts/run-tests.mjs [--concurrency N]
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";

const root = join(import.meta.dirname, "..");
const concurrency = Number(process.argv[process.argv.indexOf("--concurrency") + 1]) || 2;

// Started first, in this order (measured: the longest first). Any other package with a test script follows.
const LONGEST_FIRST = [
  "infra/e2e",
  "apps/mcp-docs",
  "apps/chat-gateway",
  "apps/mcp-fileserver",
  "infra/deploy",
  "packages/chains",
  "packages/turns",
  "apps/agent-runner",
  "packages/history",
];

function packagesWithTests() {
  const dirs = ["apps", "packages", "infra"].flatMap((group) =>
    readdirSync(join(root, group), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, group, d.name, "package.json")))
      .map((d) => `${group}/${d.name}`),
  );
  const withTests = dirs.filter(
    (dir) => JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")).scripts?.test,
  );
  const rank = (dir) => (LONGEST_FIRST.includes(dir) ? LONGEST_FIRST.indexOf(dir) : LONGEST_FIRST.length);
  return withTests.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** vitest's summary line (the last "Tests  12 passed | 1 failed (13)" of the output), without colours. */
function tally(output) {
  const line = [...stripVTControlCharacters(output).matchAll(/^\s*Tests\s+(.*)$/gm)].at(-1)?.[1] ?? "";
  const count = (word) => Number(line.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
  return { passed: count("passed"), failed: count("failed"), summarised: line !== "" };
}

/**
 * CPU seconds (user + system) of this process's reaped children so far, from /proc (Linux; undefined elsewhere). A
 * suite's CPU is what this grows by when its npm process is reaped: ioredis, vitest and every server it started
 * were reaped into that process's own figure first.
 */
function childrenCpuSeconds() {
  try {
    // fields after the command name (which may hold spaces): cutime and cstime are the 14th and 15th of them
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ").at(-1).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return undefined; // no /proc: the table shows no CPU column values
  }
}
const CLOCK_TICKS = 100;

/** A suite that runs longer than this is stopped (its whole process group) and counted as failed. */
const SUITE_LIMIT_MS = 20 * 60_000;

/** Process groups of the suites running now: each has its own (see runOne), so Ctrl-C must reach them from here. */
const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    for (const pid of running) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch (error) {
        console.error(`[test] could not stop process group ${pid}: ${error.message}`);
      }
    }
    process.exit(130);
  });

function runOne(dir) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`[test] ${dir}: started`);
    const child = spawn("npm", ["run", "--silent", "test"], {
      cwd: join(root, dir),
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so a stuck suite can be stopped with everything it started
    });
    running.add(child.pid);
    const chunks = [];
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => chunks.push(c));
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, "SIGKILL");
    }, SUITE_LIMIT_MS);
    // Its output is complete at "close" (both pipes read to the end); but a process the suite left behind may hold
    // the pipes open, so 2 s after "exit" what was read is taken as all there is.
    let closed;
    const pipesClosed = new Promise((r) => (closed = r));
    child.on("close", () => closed());
    child.on("exit", (code, signal) => {
      // reaped just now: its CPU (and its descendants') is in ours from here on
      const cpuNow = childrenCpuSeconds();
      const cpu = cpuNow === undefined || cpuBefore === undefined ? undefined : cpuNow - cpuBefore;
      cpuBefore = cpuNow;
      clearTimeout(limit);
      running.delete(child.pid);
      const seconds = (Date.now() - started) / 1000;
      const drain = setTimeout(closed, 2000);
      void pipesClosed.then(() => {
        clearTimeout(drain);
        const output =
          Buffer.concat(chunks).toString("utf8") + (timedOut ? `\n[test] stopped after ${SUITE_LIMIT_MS} ms\n` : "");
        process.stdout.write(`\n===== ${dir} (${seconds.toFixed(1)} s, exit ${code ?? signal}) =====\n${output}`);
        resolve({ dir, seconds, cpu, ok: code === 0 && !timedOut, ...tally(output) });
      });
    });
  });
}

let cpuBefore = childrenCpuSeconds();
const queue = packagesWithTests();
const results = [];
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) results.push(await runOne(dir));
  }),
);

console.log("\npackage                 seconds  CPU s  passed  failed");
for (const r of results.sort((a, b) => b.seconds - a.seconds))
  console.log(
    `${r.dir.padEnd(22)} ${r.seconds.toFixed(1).padStart(8)} ${(r.cpu?.toFixed(1) ?? "-").padStart(6)}` +
      ` ${String(r.passed).padStart(7)} ${String(r.failed).padStart(7)}` +
      (r.ok ? "" : r.summarised ? "  FAILED" : "  FAILED (no vitest summary: the suite did not start)"),
  );
const sum = (key) => results.reduce((n, r) => n + r[key], 0);
console.log(`tests: ${sum("passed")} passed, ${sum("failed")} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
