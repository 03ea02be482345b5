import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./ports.js";

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A private redis-server on a free loopback port, with no persistence, in a temp dir. Tests never touch the
 * machine's 6379. Requires `redis-server` on PATH (the test command installs it).
 */
export interface RedisOptions {
  /** Restart on the same port (default: a free one). */
  readonly port?: number;
  /** Data directory to reuse across a restart (kept on stop; default: a temp dir removed on stop). */
  readonly dir?: string;
  /** AOF persistence with fsync always (default: no persistence). */
  readonly appendonly?: boolean;
}

export async function startRedis(options: RedisOptions = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "acb-redis-"));
  const aof = options.appendonly === true ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...aof, "--dir", dir, "--loglevel", "warning"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitFor(() => ping(port), 10_000, `redis-server on port ${port}`);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start: ${stderr || String(err)}`);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("error", () => resolve(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (b) => {
      socket.destroy();
      resolve(b.toString().startsWith("+PONG"));
    });
  });
}
