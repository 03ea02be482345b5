#!/usr/bin/env node
// The local distributed stack: a private redis-server, the file server and the docs server over HTTP, one
// gateway and two runners (given both MCP servers through MCP_SERVERS), each log line prefixed by its service.
// Ctrl-C (or SIGTERM) stops it in order — gateway and runners first (they drain while Redis is still there),
// then the MCP servers, then Redis — removes its temp dir and exits 0. A second Ctrl-C kills whatever is left
// at once. The docs server keeps its collection in the temp dir, seeded with apps/mcp-docs/sample on start.
//   STACK_REDIS_PORT (default 6390)  PORT (gateway, default 8000)  FILESERVER_PORT (default 8080)
//   DOCS_PORT (default 8081)
//   STACK_RUNNER_PORT (runner probe ports from here: default 9464, 9465)
//   FILES_ROOT (default: the current directory)  — model env (OPENAI_API_KEY, OPENAI_BASE_URL, …) passes through.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const redisPort = process.env.STACK_REDIS_PORT ?? "6390";
const gatewayPort = process.env.PORT ?? "8000";
const filesPort = process.env.FILESERVER_PORT ?? "8080";
const docsPort = process.env.DOCS_PORT ?? "8081";
const runnerPort = Number(process.env.STACK_RUNNER_PORT ?? "9464");
const filesRoot = process.env.FILES_ROOT ?? process.cwd();
const redisUrl = `redis://127.0.0.1:${redisPort}`;

// `pnpm stack` builds first (here rather than in package.json's script, so that Ctrl-C reaches a plain node
// process and pnpm sees its exit code 0 instead of a shell killed by SIGINT).
if (process.argv.includes("--build")) {
  const filters = [
    "--filter=@acb/chat-gateway...",
    "--filter=@acb/agent-runner...",
    "--filter=@acb/mcp-fileserver",
    "--filter=@acb/mcp-docs",
  ];
  const turbo = join(repo, "node_modules", ".bin", "turbo");
  const built = spawnSync(turbo, ["run", "build", ...filters, "--output-logs=errors-only"], {
    cwd: repo,
    stdio: "inherit",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
  if (built.status !== 0) {
    console.error("stack: the build failed");
    process.exit(built.status ?? 1);
  }
}

if (spawnSync("redis-server", ["--version"]).status !== 0) {
  console.error("stack: redis-server is not installed (sudo apt-get install redis-server, or brew install redis)");
  process.exit(1);
}

const colors = ["\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[32m", "\x1b[34m"];
/** @type {Array<{ name: string, child: import("node:child_process").ChildProcess, exited: Promise<void> }>} */
const children = [];
let stopping = false;

function start(name, command, args, env = {}) {
  const color = process.stdout.isTTY ? colors[children.length % colors.length] : "";
  const reset = process.stdout.isTTY ? "\x1b[0m" : "";
  // Own process group: a terminal's Ctrl-C reaches this script only, which then stops the services in order
  // (otherwise redis-server would get it too and quit under the draining runners).
  const child = spawn(command, args, {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
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
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      if (!stopping) {
        process.stdout.write(`${prefix}exited unexpectedly (${signal ?? code})\n`);
        void stop(1);
      }
      resolve();
    }),
  );
  children.push({ name, child, exited });
  return child;
}

async function waitFor(url, what) {
  for (let i = 0; i < 300 && !stopping; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (stopping) return;
  console.error(`stack: ${what} did not come up`);
  await stop(1);
}

// Redis's working dir and the docs server's collection (in docs/): one temp dir, removed on the way out.
const dir = mkdtempSync(join(tmpdir(), "acb-stack-redis-"));

async function stopAll(names) {
  const group = children.filter((c) => names.includes(c.name));
  for (const { child } of group) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await Promise.all(group.map((c) => c.exited));
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  await stopAll(["chat-gateway", "agent-runner-1", "agent-runner-2"]);
  await stopAll(["mcp-fileserver", "mcp-docs"]);
  await stopAll(["redis"]);
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

function killAll() {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (!stopping) {
      process.stdout.write(`\nstack: stopping (${signal === "SIGINT" ? "Ctrl-C again" : "SIGINT"} to kill at once)\n`);
      void stop(0);
      return;
    }
    killAll();
    process.exit(130);
  });
}
// The services live in their own process groups: never leave them behind, whatever ends this script.
process.on("exit", killAll);

start("redis", "redis-server", [
  "--port",
  redisPort,
  "--bind",
  "127.0.0.1",
  "--save",
  "",
  "--appendonly",
  "no",
  "--dir",
  dir,
  "--loglevel",
  "warning",
]);
start("mcp-fileserver", process.execPath, [
  "apps/mcp-fileserver/dist/main.js",
  "--root",
  filesRoot,
  "--transport",
  "http",
  "--port",
  filesPort,
  "--host",
  "127.0.0.1",
]);
// --seed: an empty collection is filled from the sample before the server listens (about 0.3 s)
start("mcp-docs", process.execPath, [
  "apps/mcp-docs/dist/main.js",
  "--transport",
  "http",
  "--port",
  docsPort,
  "--host",
  "127.0.0.1",
  "--data-dir",
  join(dir, "docs"),
  "--seed",
  "apps/mcp-docs/sample",
]);
await waitFor(`http://127.0.0.1:${filesPort}/healthz`, "the file server");
await waitFor(`http://127.0.0.1:${docsPort}/healthz`, "the docs server");
const mcpServers = {
  files: { transport: "streamable_http", url: `http://127.0.0.1:${filesPort}/mcp` },
  docs: { transport: "streamable_http", url: `http://127.0.0.1:${docsPort}/mcp` },
};
const shared = { REDIS_URL: redisUrl, MCP_SERVERS: JSON.stringify(mcpServers), HOST: "127.0.0.1" };
start("agent-runner-1", process.execPath, ["apps/agent-runner/dist/main.js"], {
  ...shared,
  METRICS_PORT: String(runnerPort),
});
start("agent-runner-2", process.execPath, ["apps/agent-runner/dist/main.js"], {
  ...shared,
  METRICS_PORT: String(runnerPort + 1),
});
start("chat-gateway", process.execPath, ["apps/chat-gateway/dist/main.js"], { ...shared, PORT: gatewayPort });
await waitFor(`http://127.0.0.1:${gatewayPort}/healthz`, "the gateway");
await waitFor(`http://127.0.0.1:${runnerPort}/readiness`, "the first runner");
await waitFor(`http://127.0.0.1:${runnerPort + 1}/readiness`, "the second runner");
if (!stopping)
  process.stdout.write(
    `\nstack: up — gateway http://localhost:${gatewayPort} (distributed), redis ${redisUrl}, files at ${filesRoot}, docs: the sample collection. Ctrl-C stops it.\n\n`,
  );
