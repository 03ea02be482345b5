import { createLogger } from "@acb/engine";
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp, type GatewaySecurity } from "../src/app.js";
import { Authenticator } from "../src/auth/authenticator.js";
import { loadGatewayConfig, type GatewayConfig } from "../src/config.js";
import { nodeWebSocket } from "../src/http/websocket.js";
import { embeddedPipeline, type Pipeline } from "../src/pipelines.js";

/** Tests' clean env: the offline model, no MCP servers, nothing from the developer's shell. */
export const BASE_ENV = { MODEL_PROVIDER: "offline", MCP_SERVER_URL: "http://127.0.0.1:9/mcp", USE_MCP_IN_CHAT: "false", LOG_LEVEL: "silent" };

export interface InProcessGateway {
  readonly app: ReturnType<typeof createApp>;
  readonly config: GatewayConfig;
  readonly pipeline: Pipeline;
  /** Logged lines (to check that no credential is ever logged). */
  readonly logs: string[];
  /** Starts a real listener on port 0 (for WebSocket tests); returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The gateway as main.ts wires it (embedded pipeline), from env, with `tweak` for settings tests need. */
export function gatewayFromEnv(env: Record<string, string>, tweak: (c: GatewayConfig) => GatewayConfig = (c) => c): InProcessGateway {
  const loaded = loadGatewayConfig({ ...BASE_ENV, ...env });
  if (!loaded.ok) throw new Error(loaded.message);
  const config = tweak(loaded.value);
  const logs: string[] = [];
  const log = createLogger("chat-gateway", "debug", (line) => void logs.push(line));
  const pipeline = embeddedPipeline(config, log);
  const security: GatewaySecurity = { ...config.security, authenticator: new Authenticator(config.security) };
  let ws: ReturnType<typeof nodeWebSocket> | undefined;
  const app = createApp(
    { turns: pipeline.turns, mode: pipeline.mode, readiness: pipeline.readiness, log, maxBodyBytes: config.maxBodyBytes, heartbeatMs: config.heartbeatMs, turnTimeoutMs: config.turnTimeoutMs, security, usage: pipeline.usage, wsMaxBacklog: config.limits.wsMaxBacklog },
    (root) => {
      ws = nodeWebSocket(root, config.maxBodyBytes);
      return ws.upgradeWebSocket;
    },
  );
  let server: ServerType | undefined;
  return {
    app,
    config,
    pipeline,
    logs,
    async listen() {
      const s = await new Promise<ServerType>((resolve) => {
        const created = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(created));
      });
      server = s;
      ws?.injectWebSocket(s);
      return `127.0.0.1:${(s.address() as AddressInfo).port}`;
    },
    async close() {
      ws?.wss.clients.forEach((c) => c.terminate());
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await pipeline.close();
    },
  };
}

export const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** The SSE events of a response, as {event, data} (data lines joined). */
export async function sseEvents(res: Response): Promise<Array<{ event: string; data: string; id?: string }>> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.split("\n").some((l) => l.startsWith("event:")))
    .map((block) => {
      const lines = block.split("\n");
      const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ""));
      const id = field("id")[0];
      return { event: field("event")[0] ?? "", data: field("data").join("\n"), ...(id !== undefined ? { id } : {}) };
    });
}
