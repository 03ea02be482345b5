import { createLogger } from "@acb/logger";
import { serve, type ServerType } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import type { AddressInfo } from "node:net";
import { createApp } from "../src/app.js";
import { loadGatewayConfig } from "../src/config.js";
import { gatewayDeps } from "../src/deps.js";
import { embeddedPipeline } from "../src/pipelines.js";
import { withOwnDocsDataDir } from "./docs-data.js";

export interface InProcessGateway {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The gateway in this process on port 0 with the embedded pipeline (in-memory queue, event log, history,
 * canceller; the file server over stdio), configured by an env object as main.ts would be.
 */
export async function startInProcessGateway(env: Record<string, string>): Promise<InProcessGateway> {
  const docs = withOwnDocsDataDir(env);
  const loaded = loadGatewayConfig({ LOG_LEVEL: "silent", ...docs.env });
  if (!loaded.ok) throw new Error(loaded.message);
  const config = loaded.value;
  const log = createLogger("chat-gateway", config.logLevel);
  const pipeline = embeddedPipeline(config, log);
  let ws: ReturnType<typeof createNodeWebSocket> | undefined;
  const app = createApp(
    gatewayDeps(config, pipeline, log),
    (root) => {
      ws = createNodeWebSocket({ app: root });
      return ws.upgradeWebSocket;
    },
  );
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  ws?.injectWebSocket(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.close();
      if ("closeAllConnections" in server) server.closeAllConnections();
      await pipeline.close();
      docs.cleanup();
    },
  };
}
