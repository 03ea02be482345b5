/**
 * The runner's small HTTP listener for orchestrators: `/healthz` (the process is alive) and `/readiness`
 * (also `/readyz`: Redis reachable and the worker taking turns; 503 otherwise). The runner serves no API, so
 * this is plain node:http rather than a framework.
 *
 * Seam for more endpoints (`/metrics` belongs here): pass them in `routes`, keyed by path; the probe paths
 * stay owned by this module.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { evaluateReadiness, type ReadinessCheck } from "@acb/telemetry";

export type ProbeRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ProbeServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); the composition root skips the listener entirely when METRICS_PORT=0. */
  readonly port: number;
  readonly checks: readonly ReadinessCheck[];
  /** Extra GET endpoints by path, e.g. `{ "/metrics": handler }`. */
  readonly routes?: Readonly<Record<string, ProbeRoute>>;
  readonly checkTimeoutMs?: number;
  readonly onError?: (message: string) => void;
}

export interface ProbeServer {
  readonly port: number;
  close(): Promise<void>;
}

const PROBE_PATHS = new Set(["/healthz", "/readiness", "/readyz"]);

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const routes = options.routes ?? {};
  for (const path of Object.keys(routes))
    if (PROBE_PATHS.has(path)) throw new Error(`probe server: ${path} is a probe path and cannot be replaced`);
  const timeoutMs = options.checkTimeoutMs ?? 2_000;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://probe").pathname;
    const known = PROBE_PATHS.has(path) || Object.hasOwn(routes, path);
    if (!known) return sendJson(res, 404, { error: { code: "not_found", message: "not found" } });
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return sendJson(res, 405, { error: { code: "method_not_allowed", message: "method not allowed" } });
    }
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/readiness" || path === "/readyz") {
      const r = await evaluateReadiness(options.checks, timeoutMs);
      return sendJson(res, r.ok ? 200 : 503, { status: r.ok ? "ready" : "not_ready", checks: r.checks });
    }
    const route = routes[path];
    if (route !== undefined) await route(req, res);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(`probe request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "internal error" } });
      else res.end();
    });
  });
  // Probes are short; do not let a slow client hold a socket.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => options.onError?.(`probe server error: ${err.message}`));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
