import type { Logger } from "@acb/logger";
import { OFFLINE_MODEL_NAME } from "@acb/chains/config";
import { DEFAULT_TURN_EVENTS_RETENTION_MS } from "@acb/schemas";
import type { UsageMeter } from "@acb/turns";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { UpgradeWebSocket } from "hono/ws";
import { Authenticator } from "./auth/authenticator.js";
import { LOOPBACK_HOSTS, type SecurityConfig } from "./auth/config.js";
import { unavailableGuard, type Availability } from "./availability.js";
import { errorHandler, notFound } from "./http/errors.js";
import { observeRequests } from "./http/observe.js";
import { metricsRoutes } from "./routes/metrics.js";
import { rejectionCounter, type GatewayTelemetry } from "./telemetry.js";
import { authMiddleware, hostGuard, wsOriginGuard } from "./http/security.js";
import { chatRoutes } from "./routes/chat.js";
import { healthRoutes, type ReadinessCheck } from "./routes/health.js";
import { openaiRoutes } from "./routes/openai.js";
import { openAIErrorShape } from "./openai/errors.js";
import { uiChatRoutes } from "./routes/ui-chat.js";
import { docsRoutes } from "./routes/docs.js";
import { playgroundRoutes } from "./routes/playground.js";
import { turnCancelRoutes } from "./routes/turn-cancel.js";
import { InMemoryActiveChats, type ActiveChats } from "./ui/active-chats.js";
import { turnRoutes } from "./routes/turns.js";
import { usageRoutes } from "./routes/usage.js";
import { wsRoutes } from "./routes/ws.js";
import type { TurnService } from "./turn-service.js";

export interface GatewayDeps {
  readonly turns: TurnService;
  readonly mode: "embedded" | "distributed";
  readonly readiness: ReadinessCheck[];
  readonly log: Logger;
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  readonly turnTimeoutMs: number;
  /** TURN_EVENTS_RETENTION_MS: how long a finished turn stays readable (an AI SDK chat stays resumable as long). */
  readonly eventRetentionMs?: number;
  /** Identity, CORS and Host rules; absent = AUTH_MODE=none with the loopback defaults. */
  readonly security?: GatewaySecurity;
  /** The configured chat model's id, as `/v1/models` lists it (default: the offline demo model's name). */
  readonly modelId?: string;
  /** Serve the playground at `/` (PLAYGROUND, default on). */
  readonly playground?: boolean;
  /** AI SDK chats' latest turns (shared by replicas in distributed mode; in memory by default). */
  readonly activeChats?: ActiveChats;
  /** Token usage for GET /v1/usage; absent = no such route. */
  readonly usage?: UsageMeter;
  /** WS_MAX_BACKLOG: messages a socket may queue behind its running turn (default 8). */
  readonly wsMaxBacklog?: number;
  /** Distributed mode: Redis' availability (requests that need it get 503 + Retry-After at once while it is down). */
  readonly availability?: Availability;
  /** Metrics registry and the gateway's metrics; absent = no /metrics (tests that do not need it). */
  readonly telemetry?: GatewayTelemetry;
}

export interface GatewaySecurity extends Pick<SecurityConfig, "sessionScope" | "corsOrigins" | "allowedHosts"> {
  readonly authenticator: Authenticator;
}

const OPEN_SECURITY: GatewaySecurity = {
  authenticator: new Authenticator({ authModes: ["none"], apiKeys: [], jwt: undefined, sessionScope: "tenant" }),
  sessionScope: "tenant",
  corsOrigins: [],
  allowedHosts: LOOPBACK_HOSTS,
};

/** The gateway's HTTP surface; all middleware and route groups are composed here, in one visible place. */
export function createApp(deps: GatewayDeps, upgradeWebSocket: (app: Hono) => UpgradeWebSocket): Hono {
  const app = new Hono();
  app.onError(errorHandler(deps.log));
  app.notFound(notFound);
  app.use(observeRequests(deps.log, deps.telemetry?.http));
  // The OpenAI door answers every refusal in OpenAI's error shape, the ones of the middleware below included.
  app.use("/v1/chat/completions", openAIErrorShape());
  app.use("/v1/models/*", openAIErrorShape());
  // Security, outermost first: headers on every answer; Host (DNS rebinding); CORS (its preflight needs no
  // credentials); the WebSocket upgrade's Origin; then identity. /healthz is open, /readiness is open but
  // shows its details only to authenticated callers.
  const security = deps.security ?? OPEN_SECURITY;
  const modelId = deps.modelId ?? OFFLINE_MODEL_NAME;
  app.use(secureHeaders());
  app.use(hostGuard(security.allowedHosts));
  if (security.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: [...security.corsOrigins],
        allowMethods: ["GET", "POST", "OPTIONS"],
        allowHeaders: ["Authorization", "X-API-Key", "Content-Type", "Last-Event-ID"],
        exposeHeaders: ["X-Turn-Id", "X-Session-Id"],
        maxAge: 600,
      }),
    );
  }
  app.use("/ws/*", wsOriginGuard(security.corsOrigins));
  app.use(
    authMiddleware(security.authenticator, {
      sessionScope: security.sessionScope,
      openPaths: ["/healthz", "/readiness", "/readyz"],
      log: deps.log,
    }),
  );
  app.use("/v1/*", unavailableGuard(deps.availability));
  app.use("/ws/*", unavailableGuard(deps.availability));
  if (deps.telemetry !== undefined) app.route("/", metricsRoutes(deps.telemetry.registry));
  app.route(
    "/",
    healthRoutes(deps.mode, deps.readiness, (c) => c.var.identity !== undefined),
  );
  app.route("/v1", chatRoutes(deps.turns, deps));
  app.route("/v1", turnRoutes(deps.turns, deps));
  app.route("/v1", openaiRoutes(deps.turns, { ...deps, modelId }));
  app.route("/v1", turnCancelRoutes(deps.turns));
  app.route("/", docsRoutes({ modelId }));
  if (deps.playground !== false) app.route("/", playgroundRoutes());
  app.route(
    "/v1",
    uiChatRoutes(deps.turns, deps.activeChats ?? new InMemoryActiveChats(), {
      ...deps,
      resumableMs: deps.turnTimeoutMs + (deps.eventRetentionMs ?? DEFAULT_TURN_EVENTS_RETENTION_MS),
    }),
  );
  if (deps.usage) app.route("/v1", usageRoutes(deps.usage));
  app.route(
    "/",
    wsRoutes(deps.turns, upgradeWebSocket(app), {
      maxMessageBytes: deps.maxBodyBytes,
      maxBacklog: deps.wsMaxBacklog ?? 8,
      log: deps.log,
      onReject: rejectionCounter(deps.telemetry),
    }),
  );
  return app;
}
