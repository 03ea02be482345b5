import { envInt, parseEnv, TurnAppEnv, type Env, type ParsedEnv } from "@acb/schemas";
import { mcpServersFromEnv, type McpServerConfig } from "@acb/chains/config";
import { turnAppConfigFromEnv, type TurnAppConfig } from "@acb/engine/app-config";
import { redisTargetFromEnv, type RedisTarget } from "@acb/turns";
import { z } from "zod";

const RunnerEnv = z.object({
  ...TurnAppEnv.shape,
  RUNNER_CONCURRENCY: envInt(8, 1, 10_000),
  RUNNER_LOCK_MS: envInt(10_000, 1_000, 600_000),
  RUNNER_SHUTDOWN_GRACE_MS: envInt(30_000, 0, 3_600_000),
  RUNNER_HEARTBEAT_MS: envInt(5_000, 200, 60_000),
  // The probe listener (/healthz, /readiness, /metrics). 0 turns it off.
  METRICS_PORT: envInt(9464, 0, 65_535),
  HOST: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9.:[\]-]+$/, { error: "must be a host name or IP address" })
      .default("127.0.0.1"),
  ),
});

export interface RunnerConfig extends TurnAppConfig {
  /** REDIS_URL or REDIS_CLUSTER_NODES. */
  readonly redis: RedisTarget;
  readonly concurrency: number;
  readonly lockMs: number;
  readonly shutdownGraceMs: number;
  readonly heartbeatMs: number;
  /** The probe listener; port 0 = no listener. */
  readonly probes: { readonly host: string; readonly port: number };
  readonly mcpServers: Record<string, McpServerConfig>;
}

export function loadRunnerConfig(env: Env): ParsedEnv<RunnerConfig> {
  const parsed = parseEnv(RunnerEnv, env);
  if (!parsed.ok) return parsed;
  const e = parsed.value;
  const redis = redisTargetFromEnv(e.REDIS_URL, e.REDIS_CLUSTER_NODES);
  if (!redis.ok) return redis;
  if (redis.value === undefined)
    return {
      ok: false,
      message:
        "invalid configuration: REDIS_URL (or REDIS_CLUSTER_NODES) is required (the runner takes turns from Redis)",
    };
  const mcp = mcpServersFromEnv(e);
  if (!mcp.ok) return { ok: false, message: `invalid configuration: ${mcp.message}` };
  return {
    ok: true,
    value: {
      ...turnAppConfigFromEnv(e),
      redis: redis.value,
      concurrency: e.RUNNER_CONCURRENCY,
      lockMs: e.RUNNER_LOCK_MS,
      shutdownGraceMs: e.RUNNER_SHUTDOWN_GRACE_MS,
      heartbeatMs: e.RUNNER_HEARTBEAT_MS,
      probes: { host: e.HOST, port: e.METRICS_PORT },
      mcpServers: mcp.value,
    },
  };
}
