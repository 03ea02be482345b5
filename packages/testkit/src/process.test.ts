import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { exitOf } from "./process.js";

// At a child's "exit" event what it wrote can still be unread in the pipe: a refused start's one line was missing
// once in CI (expected '' to match /--root .*missing/). A grandchild writing after the exit makes that certain.
describe("exitOf", () => {
  it("waits for output written after the exit by a process that shares the pipes (drainMs at most)", async () => {
    // the child exits at once; a grandchild that inherited its stderr writes 200 ms later, then ends
    const script = `require("node:child_process").spawn(process.execPath, ["-e", "setTimeout(() => console.error('late line'), 200)"], { stdio: "inherit" }); process.exitCode = 2; setImmediate(() => process.kill(process.pid, "SIGKILL"));`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    // a generous drainMs: the grandchild is a Node start-up, slow on a busy box; "close" ends the wait when it ends
    expect(await exitOf(child, 10_000)).toEqual({ code: null, signal: "SIGKILL" });
    expect(err).toBe("late line\n");
  });

  it("does not wait for a grandchild that kept the pipes open: drainMs after the exit it resolves", async () => {
    // the child leaves a sleeping grandchild behind that inherited its stdout/stderr, then exits 3
    const script = `const g = require("node:child_process").spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "inherit", detached: true }); console.log(String(g.pid)); process.exit(3);`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const started = Date.now();
    const exit = await exitOf(child, 300);
    expect(exit).toEqual({ code: 3, signal: null });
    expect(out).toMatch(/^\d+\n$/);
    expect(Date.now() - started).toBeLessThan(10_000);
    process.kill(Number(out), "SIGKILL");
    child.stdout.destroy();
    child.stderr.destroy();
  });
});
