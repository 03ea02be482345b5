/**
 * The first run on a laptop: `pnpm stack` stops cleanly on Ctrl-C, a fresh install links every bin without a
 * warning, and npm (npx) does not complain about the repository's .npmrc.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exitOf, freePort } from "@acb/testkit";
import { REPO, runPnpm } from "./workspace.js";

const scratch = mkdtempSync(join(tmpdir(), "acb-first-run-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function portFree(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) });
    return false;
  } catch {
    return true;
  }
}

describe("pnpm stack (scripts/stack.mjs)", () => {
  it("stops on Ctrl-C in under 3 s: exit code 0, every service gone, its temp dir removed, a few quiet lines", async () => {
    const [redisPort, gatewayPort, filesPort, docsPort, runnerPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(2),
    ];
    // a runner's second probe port is runnerPort + 1
    const runnerPort2 = runnerPort + 1;
    const tmp = join(scratch, "tmp");
    mkdirSync(tmp);
    const env = {
      ...process.env,
      STACK_REDIS_PORT: String(redisPort),
      PORT: String(gatewayPort),
      FILESERVER_PORT: String(filesPort),
      DOCS_PORT: String(docsPort),
      STACK_RUNNER_PORT: String(runnerPort),
      TMPDIR: tmp,
      FILES_ROOT: REPO,
      REDIS_URL: "",
      OPENAI_API_KEY: "",
      OPENAI_BASE_URL: "",
      MCP_SERVERS: "",
    };
    // its own process group, so that signalling the group is what a terminal's Ctrl-C does
    const stack = spawn(process.execPath, [join(REPO, "scripts", "stack.mjs")], {
      cwd: REPO,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    stack.stdout.on("data", (b: Buffer) => (out += b.toString()));
    stack.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      stack.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const drained = exitOf(stack); // its last lines can still be in the pipe at "exit"
    try {
      for (let i = 0; i < 1500 && !out.includes("stack: up"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain("stack: up");
      expect(readdirSync(tmp).filter((n) => n.startsWith("acb-stack-"))).toHaveLength(1);
      const turn = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ session_id: "stack-1", input: "hello" }),
      });
      expect(turn.status).toBe(200);

      const before = out.length;
      const sent = Date.now();
      process.kill(-(stack.pid as number), "SIGINT");
      const { code, signal } = await exited;
      const ms = Date.now() - sent;
      await drained;
      const after = out
        .slice(before)
        .split("\n")
        .filter((l) => l.trim() !== "");
      process.stdout.write(`[stack] stopped in ${ms} ms, ${after.length} lines after Ctrl-C\n`);
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(3_000);
      expect(after.filter((l) => /redis error|ELIFECYCLE|exited unexpectedly/i.test(l))).toEqual([]);
      expect(after.length).toBeLessThanOrEqual(12);
      expect(readdirSync(tmp)).toEqual([]);
      for (const port of [gatewayPort, filesPort, docsPort, runnerPort, runnerPort2])
        expect(await portFree(port), `port ${port} still answers`).toBe(true);
    } finally {
      if (stack.exitCode === null) process.kill(-(stack.pid as number), "SIGKILL");
    }
    // Starting seven processes (Redis, two MCP servers, gateway, two runners) on a loaded 2-core box can take a
    // minute; what this test bounds is the stop (3 s), not the start.
  }, 180_000);
});

describe("a fresh install", () => {
  it("links every bin without a warning (the file server's bin exists before it is built)", () => {
    // the tracked files only, as a fresh clone has them: no node_modules, no dist
    const copy = join(scratch, "clone");
    const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: REPO,
      encoding: "utf8",
    })
      .stdout.split("\0")
      .filter((f) => f !== "");
    for (const f of files) {
      if (!existsSync(join(REPO, f))) continue;
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(REPO, f), join(copy, f));
    }
    const r = runPnpm(["install", "--offline", "--frozen-lockfile"], copy);
    expect(r.status, r.output).toBe(0);
    expect(r.output).not.toMatch(/Failed to create bin/);
    expect(existsSync(join(copy, "apps", "agent-runner", "node_modules", ".bin", "mcp-fileserver"))).toBe(true);
  });

  it("npm reads the repository's .npmrc without an unknown-config warning", () => {
    const r = spawnSync("npm", ["config", "list"], { cwd: REPO, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown (project|user|builtin) config/);
    // the retries pnpm relies on are still set
    expect(r.stdout).toMatch(/fetch-retries = 6/);
  });
});
