import { envBool, envInt, envString, parseEnv, TurnAppEnv, type Env, type ParsedEnv } from "@acb/schemas";
// Settings-only entry points: parsing the configuration must not load LangChain or the MCP SDK (a distributed
// gateway never runs a chain; see test/startup-imports.test.ts).
import { mcpServersFromEnv, type McpServerConfig } from "@acb/chains/config";
import { turnAppConfigFromEnv, type TurnAppConfig } from "@acb/engine/app-config";
import { redisTargetFromEnv, type RedisTarget } from "@acb/turns";
import { z } from "zod";
import { SecurityEnv, securityConfigFromEnv, type SecurityConfig } from "./auth/config.js";
import { LimitsEnv, limitsConfigFromEnv, type LimitsConfig } from "./limits/config.js";

/**
 * Distributed mode: how long the gateway waits for Redis to answer one command before the request gets 503 +
 * Retry-After. Short, because a client should hear "try again" rather than hang; longer for a Redis far away or a
 * deployment that takes bursts of hundreds of turns on small machines.
 */
const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 1_500;

const GatewayEnv = z.object({
  PORT: envInt(8000, 1, 65_535),
  HOST: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).default("127.0.0.1")),
  ...TurnAppEnv.shape,
  TURN_TIMEOUT_MS: envInt(120_000, 1_000, 3_600_000),
  MAX_BODY_BYTES: envInt(256 * 1024, 1_024, 16 * 1024 * 1024),
  SSE_HEARTBEAT_MS: envInt(15_000, 100, 300_000),
  // A turn in embedded mode mostly waits on the model (a few KiB and one upstream connection each): 256 lets a
  // burst of a hundred clients start at once (16 queued 84 of them behind whole turns) and still bounds
  // the connections and rate limit this process spends on the model provider; MAX_QUEUED_TURNS bounds the rest.
  EMBEDDED_CONCURRENCY: envInt(256, 1, 10_000),
  WATCHDOG_GRACE_MS: envInt(10_000, 0, 3_600_000),
  GATEWAY_DRAIN_MS: envInt(5_000, 0, 600_000),
  REDIS_COMMAND_TIMEOUT_MS: envInt(DEFAULT_REDIS_COMMAND_TIMEOUT_MS, 100, 60_000),
  PLAYGROUND: envBool(true),
  DOCS_DATA_DIR: envString(),
  ...SecurityEnv.shape,
  ...LimitsEnv.shape,
});

export interface GatewayConfig extends TurnAppConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: embedded mode (in-memory queue, event log and history, turns run in this process). */
  readonly redisUrl: string | undefined;
  /** REDIS_URL or REDIS_CLUSTER_NODES; unset: embedded mode. */
  readonly redis: RedisTarget | undefined;
  readonly turnTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  readonly embeddedConcurrency: number;
  /** Distributed mode: a turn no runner ended by its deadline + this is ended by the gateway (error + done). */
  readonly watchdogGraceMs: number;
  /** Distributed mode, on SIGTERM: how long open streams may still finish before they are told to reconnect elsewhere. */
  readonly drainMs: number;
  /** Distributed mode: REDIS_COMMAND_TIMEOUT_MS, a Redis command not answered by then fails (the request: 503). */
  readonly redisCommandTimeoutMs: number;
  /** Explicit MCP servers (MCP_SERVERS / MCP_SERVER_URL / MCP_TRANSPORT); undefined = none given. */
  readonly mcpServers: Record<string, McpServerConfig> | undefined;
  /** FILES_ROOT for the file server embedded mode attaches over stdio when no MCP server is configured. */
  readonly filesRoot: string | undefined;
  /** DOCS_DATA_DIR for the docs server embedded mode attaches next to it (default: `.mcp-docs` in the cwd). */
  readonly docsDataDir: string | undefined;
  /** AUTH_MODE and credentials, SESSION_SCOPE, CORS_ORIGINS, ALLOWED_HOSTS (src/auth/config.ts). */
  readonly security: SecurityConfig;
  /** PLAYGROUND: serve the browser playground at `/` (default true). */
  readonly playground: boolean;
  /** Rate, concurrency and queue limits, the WebSocket backlog, ALLOWED_MODELS (src/limits/config.ts). */
  readonly limits: LimitsConfig;
}

export function loadGatewayConfig(env: Env): ParsedEnv<GatewayConfig> {
  const parsed = parseEnv(GatewayEnv, env);
  if (!parsed.ok) return parsed;
  const e = parsed.value;
  const explicitMcp = e.MCP_SERVERS !== undefined || e.MCP_SERVER_URL !== undefined || e.MCP_TRANSPORT !== undefined;
  let mcpServers: Record<string, McpServerConfig> | undefined;
  if (explicitMcp) {
    const mcp = mcpServersFromEnv(e);
    if (!mcp.ok) return { ok: false, message: `invalid configuration: ${mcp.message}` };
    mcpServers = mcp.value;
  }
  const security = securityConfigFromEnv(e, e.HOST);
  if (!security.ok) return security;
  const limits = limitsConfigFromEnv(e, e.CHAT_MODEL_ID);
  if (!limits.ok) return limits;
  const redis = redisTargetFromEnv(e.REDIS_URL, e.REDIS_CLUSTER_NODES);
  if (!redis.ok) return redis;
  return {
    ok: true,
    value: {
      ...turnAppConfigFromEnv(e),
      port: e.PORT,
      host: e.HOST,
      redisUrl: e.REDIS_URL,
      redis: redis.value,
      turnTimeoutMs: e.TURN_TIMEOUT_MS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      heartbeatMs: e.SSE_HEARTBEAT_MS,
      embeddedConcurrency: e.EMBEDDED_CONCURRENCY,
      watchdogGraceMs: e.WATCHDOG_GRACE_MS,
      drainMs: e.GATEWAY_DRAIN_MS,
      redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      mcpServers,
      filesRoot: e.FILES_ROOT,
      docsDataDir: e.DOCS_DATA_DIR,
      security: security.value,
      playground: e.PLAYGROUND,
      limits: limits.value,
    },
  };
}
