#!/usr/bin/env node
// The local distributed stack: a private redis-server, the file server over HTTP, one gateway and two
// runners, each log line prefixed by its service. Ctrl-C (or SIGTERM) stops everything, runners gracefully.
//   STACK_REDIS_PORT (default 6390)  PORT (gateway, default 8000)  FILESERVER_PORT (default 8080)
//   FILES_ROOT (default: the current directory)  — model env (OPENAI_API_KEY, OPENAI_BASE_URL, …) passes through.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const redisPort = process.env.STACK_REDIS_PORT ?? "6390";
const gatewayPort = process.env.PORT ?? "8000";
const filesPort = process.env.FILESERVER_PORT ?? "8080";
const filesRoot = process.env.FILES_ROOT ?? process.cwd();
const redisUrl = `redis://127.0.0.1:${redisPort}`;

if (spawnSync("redis-server", ["--version"]).status !== 0) {
  console.error("stack: redis-server is not installed (sudo apt-get install redis-server, or brew install redis)");
  process.exit(1);
}

const colors = ["\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[32m", "\x1b[34m"];
const children = [];

function start(name, command, args, env = {}) {
  const color = process.stdout.isTTY ? colors[children.length % colors.length] : "";
  const reset = process.stdout.isTTY ? "\x1b[0m" : "";
  const child = spawn(command, args, { cwd: repo, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = `${color}${name.padEnd(14)}${reset}| `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream.on("data", (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on("exit", (code, signal) => {
    process.stdout.write(`${prefix}exited (${signal ?? code})\n`);
    if (!stopping) stop(1);
  });
  children.push({ name, child });
  return child;
}

async function waitFor(url, what) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`stack: ${what} did not come up`);
  stop(1);
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const { child } of [...children].reverse()) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 8_000).unref();
  Promise.all(children.map(({ child }) => new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r))))).then(() => process.exit(code));
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const dir = mkdtempSync(join(tmpdir(), "acb-stack-redis-"));
start("redis", "redis-server", ["--port", redisPort, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir]);
start("mcp-fileserver", process.execPath, ["apps/mcp-fileserver/dist/main.js", "--root", filesRoot, "--transport", "http", "--port", filesPort, "--host", "127.0.0.1"]);
await waitFor(`http://127.0.0.1:${filesPort}/healthz`, "the file server");
const shared = { REDIS_URL: redisUrl, MCP_SERVER_URL: `http://127.0.0.1:${filesPort}/mcp`, MCP_TRANSPORT: "streamable_http" };
start("agent-runner-1", process.execPath, ["apps/agent-runner/dist/main.js"], shared);
start("agent-runner-2", process.execPath, ["apps/agent-runner/dist/main.js"], shared);
start("chat-gateway", process.execPath, ["apps/chat-gateway/dist/main.js"], { ...shared, PORT: gatewayPort });
await waitFor(`http://127.0.0.1:${gatewayPort}/healthz`, "the gateway");
process.stdout.write(`\nstack: up — gateway http://localhost:${gatewayPort} (distributed), redis ${redisUrl}, files at ${filesRoot}. Ctrl-C stops it.\n\n`);
