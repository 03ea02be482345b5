import { createLogger } from "@acb/logger";
import type { SseMessage } from "@acb/schemas";
import {
  freePort,
  startScriptedOpenAI,
  startService,
  streamSse,
  type ScriptedOpenAI,
  type ScriptFn,
  type ServiceProcess,
} from "@acb/testkit";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { loadGatewayConfig, type GatewayConfig } from "../src/config.js";
import { createGateway } from "../src/gateway.js";
import type { Pipeline } from "../src/pipelines.js";
import { afterAll, beforeAll, expect } from "vitest";
import { withOwnDocsDataDir } from "./docs-data.js";

export const GATEWAY_MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** A clean env: no key, base URL or Redis leaks in from the developer's shell. */
const CLEAN_ENV: Record<string, string | undefined> = {
  OPENAI_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  MODEL_PROVIDER: undefined,
  REDIS_URL: undefined,
  LOG_LEVEL: "warn",
  HOST: "127.0.0.1",
};

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

/** Starts the BUILT gateway (`node dist/main.js`) configured by env alone, as a user would. */
export async function startGateway(env: Record<string, string | undefined>): Promise<Gateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const docs = withOwnDocsDataDir(env);
  const service = await startService(process.execPath, [GATEWAY_MAIN], {
    name: "chat-gateway",
    env: { ...CLEAN_ENV, PORT: String(port), ...docs.env },
    ready: async () => (await fetch(`${url}/healthz`)).ok,
  });
  return {
    url,
    port,
    process: service,
    stop: async () => {
      await service.stop();
      docs.cleanup();
    },
  };
}

/**
 * An MCP server URL nothing listens on: for a gateway whose tests use no tools, so that embedded mode does not start
 * its default tool servers (the file and docs servers, two child processes, the docs one seeding LanceDB).
 */
export const NO_TOOL_SERVERS = { MCP_SERVER_URL: "http://127.0.0.1:9/mcp" };

/** gatewayFromEnv's defaults: the offline model, no MCP servers, nothing from the developer's shell. */
export const BASE_ENV = {
  MODEL_PROVIDER: "offline",
  ...NO_TOOL_SERVERS,
  USE_MCP_IN_CHAT: "false",
  LOG_LEVEL: "silent",
};

export interface InProcessGateway {
  /** The Hono app: drive routes with `app.request()`, no socket involved. */
  readonly app: Hono;
  readonly config: GatewayConfig;
  readonly pipeline: Pipeline;
  /** Logged lines, when the gateway was built with `captureLogs` (to check that no credential is ever logged). */
  readonly logs: string[];
  /** The listener, once `listen()` started it. */
  readonly server: ServerType | undefined;
  /** Starts a real listener on a loopback port 0 (streams and WebSockets need a socket); returns its host:port. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface ListeningGateway extends InProcessGateway {
  /** The base URL of the listener. */
  readonly url: string;
  readonly server: ServerType;
  stop(): Promise<void>;
}

interface InProcessOptions {
  /** Settings env cannot express. */
  readonly tweak?: (c: GatewayConfig) => GatewayConfig;
  /** Every line at debug level into `logs` instead of stderr at the configured level. */
  readonly captureLogs?: boolean;
}

/**
 * The gateway built from env from the pieces main.ts uses (config parser, the mode's pipeline, app, WebSocket
 * upgrade), but in this test process: no spawn, no second Node start-up. main.ts differs in one way: it imports
 * embedded mode's pipeline only in embedded mode (createGateway loads both up front). One spawn test per app covers
 * dist/main.js.
 */
function inProcessGateway(env: Record<string, string | undefined>, options: InProcessOptions = {}): InProcessGateway {
  const docs = withOwnDocsDataDir(env);
  const defined: Record<string, string> = {};
  for (const [k, v] of Object.entries(docs.env)) if (v !== undefined) defined[k] = v;
  const loaded = loadGatewayConfig(defined);
  if (!loaded.ok) {
    docs.cleanup();
    throw new Error(loaded.message);
  }
  const config = (options.tweak ?? ((c) => c))(loaded.value);
  const logs: string[] = [];
  const log =
    options.captureLogs === true
      ? createLogger("chat-gateway", "debug", { destination: { write: (line: string) => void logs.push(line) } })
      : createLogger("chat-gateway", config.logLevel);
  const gateway = createGateway(config, log);
  let server: ServerType | undefined;
  // upgraded (WebSocket) sockets are not the HTTP server's to close: ended here so that close() does not wait on them
  const upgraded = new Set<Duplex>();
  return {
    app: gateway.app,
    config,
    pipeline: gateway.pipeline,
    logs,
    get server() {
      return server;
    },
    async listen() {
      const s = serve({ fetch: gateway.app.fetch, port: 0, hostname: "127.0.0.1" });
      server = s;
      gateway.attach(s);
      s.on("upgrade", (_req: unknown, socket: Duplex) => {
        upgraded.add(socket);
        socket.once("close", () => upgraded.delete(socket));
      });
      await once(s, "listening");
      return `127.0.0.1:${(s.address() as AddressInfo).port}`;
    },
    async close() {
      for (const socket of upgraded) socket.destroy();
      if (server !== undefined) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          if ("closeAllConnections" in s) s.closeAllConnections();
        });
      }
      await gateway.pipeline.close();
      docs.cleanup();
    },
  };
}

/** The gateway from BASE_ENV + env as inProcessGateway builds it (see there how that differs from main.ts), with `tweak` for settings tests need; logs captured. */
export function gatewayFromEnv(
  env: Record<string, string>,
  tweak: (c: GatewayConfig) => GatewayConfig = (c) => c,
): InProcessGateway {
  return inProcessGateway({ ...BASE_ENV, ...env }, { tweak, captureLogs: true });
}

/** The gateway from CLEAN_ENV + env, listening on a loopback port. */
export async function startInProcessGateway(env: Record<string, string | undefined>): Promise<ListeningGateway> {
  const gateway = inProcessGateway({ ...CLEAN_ENV, ...env });
  const hostPort = await gateway.listen();
  const server = gateway.server;
  if (server === undefined) throw new Error("not listening");
  return { ...gateway, url: `http://${hostPort}`, server, stop: () => gateway.close() };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** The text of every message the upstream received in its i-th request, as "role: content" lines. */
export function transcript(messages: Array<{ role: string; content: unknown }>): string[] {
  return messages.map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`);
}

/** The SSE messages of a whole response, read with the shared parser. */
export async function sseEvents(res: Response): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const m of streamSse(res)) messages.push(m);
  return messages;
}

/** A fresh directory holding `files` (name → content), for FILES_ROOT; the caller removes it (rmSync). */
export function filesRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "acb-gw-files-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  return root;
}

/** The model settings that make the gateway's model the real ChatOpenAI against `upstream`, without retries. */
export const upstreamModel = (upstream: ScriptedOpenAI): Record<string, string> => ({
  MODEL_PROVIDER: "openai",
  OPENAI_API_KEY: "sk-test-not-real",
  OPENAI_BASE_URL: upstream.url,
  MODEL_MAX_RETRIES: "0",
});

export interface Scripted<G> {
  /** The scripted OpenAI upstream the gateway's model talks to. */
  readonly upstream: ScriptedOpenAI;
  readonly gw: G;
}

interface ScriptedOptions {
  /** The upstream's script until a test sets another (default: testkit's echo). */
  readonly script?: ScriptFn;
  /** Files (name → content) for a fresh FILES_ROOT, for the file server's tools. */
  readonly files?: Record<string, string>;
}

/**
 * Registers, in the calling file or describe block, a beforeAll that starts a scripted upstream and a gateway whose
 * model is that upstream (`upstreamModel` + env), and an afterAll that closes both. Read `.upstream` and `.gw` in tests.
 */
function useScripted<G extends { close(): Promise<void> }>(
  start: (env: Record<string, string>) => G | Promise<G>,
  env: Record<string, string>,
  options: ScriptedOptions,
): Scripted<G> {
  let upstream: ScriptedOpenAI | undefined;
  let gw: G | undefined;
  let root: string | undefined;
  beforeAll(async () => {
    upstream = await startScriptedOpenAI(options.script ? { script: options.script } : {});
    if (options.files !== undefined) root = filesRoot(options.files);
    gw = await start({ ...upstreamModel(upstream), ...(root !== undefined ? { FILES_ROOT: root } : {}), ...env });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });
  const notYet = () => new Error("the scripted gateway is not started yet (read it inside a test or hook)");
  return {
    get upstream() {
      if (upstream === undefined) throw notYet();
      return upstream;
    },
    get gw() {
      if (gw === undefined) throw notYet();
      return gw;
    },
  };
}

/** A listening in-process gateway (startInProcessGateway) against a scripted upstream, for the file or block. */
export function useScriptedGateway(
  env: Record<string, string> = {},
  options: ScriptedOptions = {},
): Scripted<ListeningGateway> {
  return useScripted((e) => startInProcessGateway(e), env, options);
}

/** An in-process gateway driven with app.request() (gatewayFromEnv) against a scripted upstream. */
export function useScriptedApp(
  env: Record<string, string> = {},
  options: ScriptedOptions = {},
): Scripted<InProcessGateway> {
  return useScripted((e) => gatewayFromEnv(e), env, options);
}

/** gatewayFromEnv(env) for the calling file or describe block: built before its tests, closed after them. */
export function useGatewayFromEnv(env: Record<string, string>): { readonly gw: InProcessGateway } {
  let gw: InProcessGateway | undefined;
  beforeAll(() => {
    gw = gatewayFromEnv(env);
  });
  afterAll(async () => gw?.close());
  return {
    get gw() {
      if (gw === undefined) throw new Error("the gateway is not built yet (read it inside a test)");
      return gw;
    },
  };
}
