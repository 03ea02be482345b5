/**
 * The container images, proved without a container engine: for each app, the Dockerfile's own `pnpm deploy`
 * line is run, exactly what its runtime stage copies is placed in an empty directory, and that is started
 * with plain node, the Dockerfile's ENV and CMD, and probed with the Dockerfile's HEALTHCHECK command. The
 * three deployed apps then carry a real turn together: gateway → Redis → runner → MCP file server.
 */
import { freePort, startRedis, startService, type PrivateRedis, type ServiceProcess } from "@acb/testkit";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPS, documentedEnv, readDockerfile, runPnpm, type AppName } from "./workspace.js";

const TOKEN = "deploy-test-token-0123456789abcdef";
const work = mkdtempSync(join(tmpdir(), "acb-deploy-"));
const images = new Map<AppName, string>();
const running: ServiceProcess[] = [];

/** `pnpm deploy` as the Dockerfile runs it, then only what the runtime stage COPYs, into an empty directory. */
function buildImageDir(app: AppName): string {
  const file = readDockerfile(app);
  const out = join(work, `${app}-out`);
  const args = file.deployArgs.map((a) => (a === "/out" ? out : a));
  const started = Date.now();
  const r = runPnpm(args);
  if (r.status !== 0) throw new Error(`pnpm ${args.join(" ")} failed:\n${r.output}`);
  const image = join(work, `${app}-image`);
  mkdirSync(image);
  // moved rather than copied: the same entries, without copying ~150 MB (links are relative, as COPY keeps them)
  for (const { from, to } of file.copies) renameSync(join(out, from), join(image, to));
  rmSync(out, { recursive: true, force: true });
  const du = spawnSync("du", ["-sm", image], { encoding: "utf8" }).stdout.split("\t")[0];
  process.stdout.write(`[deploy] ${app}: pnpm deploy + copy in ${Date.now() - started} ms, ${du} MB\n`);
  return image;
}

/** The container's environment: the Dockerfile's ENV and what compose/k8s would add; nothing of ours leaks in. */
function imageEnv(app: AppName, overrides: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) env[key] = undefined;
  return { ...env, PATH: process.env.PATH, ...readDockerfile(app).env, ...overrides };
}

function command(app: AppName): { command: string; args: string[] } {
  const [cmd, ...args] = readDockerfile(app).cmd;
  return { command: cmd === "node" ? process.execPath : (cmd as string), args };
}

/** Runs the Dockerfile's HEALTHCHECK command the way the engine would, inside the "container". */
function healthcheck(app: AppName, env: Record<string, string | undefined>): number | null {
  const [cmd, ...args] = readDockerfile(app).healthcheck;
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return spawnSync(cmd === "node" ? process.execPath : (cmd as string), args, {
    cwd: images.get(app),
    env: clean,
    timeout: 5_000,
  }).status;
}

async function startImage(app: AppName, overrides: Record<string, string>): Promise<ServiceProcess> {
  const env = imageEnv(app, overrides);
  const { command: cmd, args } = command(app);
  const proc = await startService(cmd, args, {
    name: app,
    cwd: images.get(app),
    env,
    ready: () => healthcheck(app, env) === 0,
    readyTimeoutMs: 60_000,
  });
  running.push(proc);
  return proc;
}

function installedPackages(image: string): string[] {
  const nm = join(image, "node_modules");
  return readdirSync(nm).flatMap((name) =>
    name.startsWith("@") ? readdirSync(join(nm, name)).map((n) => `${name}/${n}`) : name.startsWith(".") ? [] : [name],
  );
}

describe("the Dockerfiles", () => {
  for (const app of APPS) {
    it(`${app}: multi-stage on Node 20 slim, deploys only itself with --prod, runs as uid 1000 under tini, exec-form CMD and HEALTHCHECK`, () => {
      const f = readDockerfile(app);
      expect(f.stages).toEqual(["${NODE_IMAGE} AS build", "${NODE_IMAGE} AS runtime"]);
      expect(f.text).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
      expect(f.deployArgs).toEqual([
        `--filter=@acb/${app}`,
        "--prod",
        "--config.inject-workspace-packages=true",
        "deploy",
        "--offline",
        "/out",
      ]);
      expect(f.user).toBe("1000:1000");
      expect(f.entrypoint).toEqual(["/usr/bin/tini", "--"]);
      expect(f.cmd).toEqual(["node", "dist/main.js"]);
      expect(f.healthcheck[0]).toBe("node");
      expect(f.healthcheck.join(" ")).toContain("/healthz");
      expect(f.copies.map((c) => c.from).sort()).toEqual(["dist", "node_modules", "package.json"]);
    });

    it(`${app}: binds every interface and sets only variables the app reads`, () => {
      const f = readDockerfile(app);
      const bind = app === "mcp-fileserver" ? f.env.FILESERVER_HOST : f.env.HOST;
      expect(bind).toBe("0.0.0.0");
      const known = documentedEnv(app);
      const unknown = Object.keys(f.env).filter((k) => k !== "NODE_ENV" && !known.has(k));
      expect(unknown).toEqual([]);
      const port = Number(
        app === "chat-gateway" ? f.env.PORT : app === "agent-runner" ? f.env.METRICS_PORT : f.env.FILESERVER_PORT,
      );
      expect(f.exposed).toEqual([port]);
    });
  }
});

describe("each app's deployed output, started with plain node from an empty directory", () => {
  let redis: PrivateRedis;
  let filesRoot: string;
  let files: { port: number; proc: ServiceProcess };
  let gatewayUrl: string;

  beforeAll(async () => {
    for (const app of APPS) images.set(app, buildImageDir(app));
    redis = await startRedis();
    filesRoot = join(work, "data");
    mkdirSync(filesRoot);
    writeFileSync(join(filesRoot, "notes.txt"), "the lighthouse keeper counts seven gulls\n");
  }, 240_000);

  afterAll(async () => {
    for (const p of running.reverse()) await p.stop(5_000);
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("holds production dependencies only, and every package link stays inside the directory", () => {
    for (const app of APPS) {
      const image = images.get(app) as string;
      const pkgs = installedPackages(image);
      for (const dev of ["vitest", "typescript", "typescript-native", "tsx", "@acb/testkit", "@types/node"])
        expect(pkgs, `${app} ships ${dev}`).not.toContain(dev);
      for (const pkg of pkgs) {
        const link = join(image, "node_modules", pkg);
        const real = realpathSync(link);
        expect(real.startsWith(realpathSync(image)), `${app}: node_modules/${pkg} -> ${real}`).toBe(true);
      }
      expect(existsSync(join(image, "dist", "main.js"))).toBe(true);
      expect(existsSync(join(image, "src"))).toBe(false);
    }
    // workspace packages are real copies (pnpm's injected packages), not links back into the repository
    expect(
      lstatSync(
        realpathSync(join(images.get("agent-runner") as string, "node_modules", "@acb", "turns")),
      ).isDirectory(),
    ).toBe(true);
    expect(installedPackages(images.get("agent-runner") as string)).toEqual(
      expect.arrayContaining(["@acb/turns", "@acb/engine", "bullmq", "ioredis"]),
    );
  });

  it("mcp-fileserver: with the image's 0.0.0.0 bind it refuses to start without MCP_AUTH_TOKEN, in one line naming it", () => {
    const env = imageEnv("mcp-fileserver", { FILES_ROOT: filesRoot });
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    const { command: cmd, args } = command("mcp-fileserver");
    const r = spawnSync(cmd, args, {
      cwd: images.get("mcp-fileserver"),
      env: clean,
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("MCP_AUTH_TOKEN");
  });

  it("mcp-fileserver: answers its HEALTHCHECK, and /mcp only with the bearer token", async () => {
    const port = await freePort();
    const proc = await startImage("mcp-fileserver", {
      FILES_ROOT: filesRoot,
      FILESERVER_PORT: String(port),
      MCP_AUTH_TOKEN: TOKEN,
    });
    files = { port, proc };
    const init = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "deploy-test", version: "1" } },
    };
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const denied = await fetch(`http://127.0.0.1:${port}/mcp`, { method: "POST", headers, body: JSON.stringify(init) });
    expect(denied.status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(init),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("mcp-session-id")).toMatch(/^[0-9a-f-]{36}$/);
    await ok.body?.cancel();
  });

  it("agent-runner: answers its HEALTHCHECK on METRICS_PORT and is ready once it takes turns", async () => {
    const port = await freePort();
    const mcp = JSON.stringify({
      files: {
        transport: "streamable_http",
        url: `http://127.0.0.1:${files.port}/mcp`,
        headers: { Authorization: `Bearer ${TOKEN}` },
      },
    });
    await startImage("agent-runner", {
      REDIS_URL: redis.url,
      METRICS_PORT: String(port),
      MCP_SERVERS: mcp,
      RUNNER_HEARTBEAT_MS: "500",
    });
    let ready: Response | undefined;
    for (let i = 0; i < 100 && ready?.status !== 200; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/readiness`);
      if (ready.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready?.status).toBe(200);
  });

  const GATEWAY_KEY = "deploy-test-key-0123456789abcdef";
  it("chat-gateway: answers its HEALTHCHECK, is ready with a runner seen, and a turn reads a file through runner and file server", async () => {
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    // Bound to 0.0.0.0, the gateway refuses to start without credentials: the deployment gives it an API key.
    await startImage("chat-gateway", { REDIS_URL: redis.url, PORT: String(port), API_KEYS: `deploy:${GATEWAY_KEY}` });
    const ready = await fetch(`${gatewayUrl}/readiness`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
    expect(ready.status).toBe(200);
    const anonymous = await fetch(`${gatewayUrl}/v1/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: "deploy-1", input: "hi" }),
    });
    expect(anonymous.status).toBe(401);
    const res = await fetch(`${gatewayUrl}/v1/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${GATEWAY_KEY}` },
      body: JSON.stringify({ session_id: "deploy-1", input: "Please read notes.txt" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string };
    expect(body.text).toContain("seven gulls");
  });

  it("every app stops on SIGTERM with exit code 0 (signals reach node)", async () => {
    for (const proc of [...running].reverse()) {
      const started = Date.now();
      expect(await proc.stop(10_000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    running.length = 0;
  });
});
