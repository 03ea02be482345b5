import { createLogger } from "@acb/logger";
import { freePort, startService, type ServiceProcess } from "@acb/testkit";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { loadGatewayConfig } from "../src/config.js";
import { createGateway } from "../src/gateway.js";
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

export interface InProcessGateway {
  /** The Hono app: drive routes with `app.request()`, no socket involved. */
  readonly app: Hono;
  /** The same app listening on a loopback port, for streams and WebSockets that need a real socket. */
  readonly url: string;
  readonly server: ServerType;
  stop(): Promise<void>;
}

/**
 * The gateway built from env exactly as main.ts builds it (config parser, pipeline, app, WebSocket upgrade), but in
 * this test process: no spawn, no second Node start-up. One spawn test per app covers dist/main.js itself.
 */
export async function startInProcessGateway(env: Record<string, string | undefined>): Promise<InProcessGateway> {
  const docs = withOwnDocsDataDir(env);
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...CLEAN_ENV, ...docs.env })) if (v !== undefined) merged[k] = v;
  const loaded = loadGatewayConfig(merged);
  if (!loaded.ok) throw new Error(loaded.message);
  const config = loaded.value;
  const gateway = createGateway(config, createLogger("chat-gateway", config.logLevel));
  const server = serve({ fetch: gateway.app.fetch, port: 0, hostname: "127.0.0.1" });
  gateway.attach(server);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    app: gateway.app,
    url: `http://127.0.0.1:${port}`,
    server,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await gateway.pipeline.close();
      docs.cleanup();
    },
  };
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
