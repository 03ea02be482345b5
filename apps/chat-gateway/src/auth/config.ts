import { envInt, envString, envUrl, HISTORY_MAX_BYTES_LIMIT, Tenant, type ParsedEnv } from "@acb/schemas";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";

/** The env of identity, tenancy and the browser/network guards (spread into the gateway's env schema). */
export const SecurityEnv = z.object({
  AUTH_MODE: envString(),
  API_KEYS: envString(),
  API_KEYS_FILE: envString(),
  JWT_SECRET: envString(),
  JWT_JWKS_URL: envUrl(/^https?:$/),
  JWT_ISSUER: envString(),
  JWT_AUDIENCE: envString(),
  JWT_TENANT_CLAIM: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_.:/-]{1,128}$/, { error: "must be a claim name" })
      .default("tenant"),
  ),
  JWT_CLOCK_TOLERANCE_S: envInt(30, 0, 600),
  SESSION_SCOPE: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.enum(["tenant", "subject"], { error: "must be tenant or subject" }).default("tenant"),
  ),
  CORS_ORIGINS: envString(),
  ALLOWED_HOSTS: envString(),
});
export type SecurityEnv = z.infer<typeof SecurityEnv>;

export type AuthMode = "none" | "api_key" | "jwt";

/** Per-key limits from API_KEYS_FILE (enforced by TurnAdmission, and history_max_bytes by the runner through the job). */
export const ApiKeyLimits = z.strictObject({
  rate_limit_turns_per_minute: z.number().int().positive().optional(),
  max_concurrent_turns: z.number().int().positive().optional(),
  max_queued_turns: z.number().int().positive().optional(),
  allowed_models: z.array(z.string().min(1)).optional(),
  history_max_bytes: z.number().int().positive().max(HISTORY_MAX_BYTES_LIMIT).optional(),
});
export type ApiKeyLimits = z.infer<typeof ApiKeyLimits>;

export const MIN_API_KEY_LENGTH = 16;

const ApiKeyFileEntry = z
  .strictObject({
    tenant: Tenant,
    name: z.string().min(1).max(128).optional(),
    key: z
      .string()
      .min(MIN_API_KEY_LENGTH, { error: `must be at least ${MIN_API_KEY_LENGTH} characters` })
      .optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, { error: "must be 64 hex digits" })
      .optional(),
    limits: ApiKeyLimits.optional(),
  })
  .refine((e) => (e.key === undefined) !== (e.sha256 === undefined), { error: "needs exactly one of key or sha256" });
/** A bare list, or `{keys: [...]}`. Chosen by the file's shape (not a z.union), so an error names the entry's field. */
const ApiKeyList = z.array(ApiKeyFileEntry);
const ApiKeyFileObject = z.strictObject({ keys: ApiKeyList });

/** One accepted API key. Only its SHA-256 is kept in memory. */
export interface ApiKeyEntry {
  readonly hash: Buffer;
  readonly tenant: string;
  readonly name?: string;
  readonly limits?: ApiKeyLimits;
}

export interface JwtSettings {
  /** HS256 shared secret, or … */
  readonly secret?: Uint8Array;
  /** … a JWKS URL (RS256 / ES256), fetched, cached and refreshed by jose. */
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly tenantClaim: string;
  readonly clockToleranceS: number;
  /** Least time between two JWKS refetches for an unknown `kid` (jose's cooldownDuration). */
  readonly jwksCooldownMs: number;
}

export interface SecurityConfig {
  readonly authModes: readonly AuthMode[];
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly jwt: JwtSettings | undefined;
  readonly sessionScope: "tenant" | "subject";
  /** Browser origins allowed by CORS and on the WebSocket upgrade (besides the gateway's own). */
  readonly corsOrigins: readonly string[];
  /** Accepted `Host` values: "*" = any; `name` = that name on any port; `name:port` = exactly. */
  readonly allowedHosts: readonly string[];
}

export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

export const sha256 = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

type Result<T> = ParsedEnv<T>;
const fail = (message: string): { ok: false; message: string } => ({
  ok: false,
  message: `invalid configuration: ${message}`,
});

/** API_KEYS="tenant:key,tenant2:key2": the key is everything after the first ':'. */
function parseApiKeys(raw: string): Result<ApiKeyEntry[]> {
  const out: ApiKeyEntry[] = [];
  const entries = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(":");
    const tenant = colon > 0 ? entry.slice(0, colon) : "";
    const key = colon > 0 ? entry.slice(colon + 1) : "";
    if (!Tenant.safeParse(tenant).success)
      return fail(`API_KEYS entry ${i + 1} must be tenant:key with a printable tenant name`);
    if (key.length < MIN_API_KEY_LENGTH)
      return fail(`API_KEYS entry ${i + 1} has a key shorter than ${MIN_API_KEY_LENGTH} characters`);
    out.push({ hash: sha256(key), tenant });
  }
  return { ok: true, value: out };
}

function parseApiKeysFile(path: string): Result<ApiKeyEntry[]> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return fail("API_KEYS_FILE cannot be read");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail("API_KEYS_FILE is not valid JSON");
  }
  const parsed = Array.isArray(json)
    ? ApiKeyList.safeParse(json)
    : ApiKeyFileObject.transform((file) => file.keys).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Name the place and the rule, never the value (it may be a key).
    return fail(`API_KEYS_FILE ${issue?.path.map(String).join(".") || "(file)"} ${issue?.message ?? "is invalid"}`);
  }
  const list = parsed.data;
  return {
    ok: true,
    value: list.map((e) => ({
      hash: e.key !== undefined ? sha256(e.key) : Buffer.from(e.sha256 ?? "", "hex"),
      tenant: e.tenant,
      ...(e.name !== undefined ? { name: e.name } : {}),
      ...(e.limits !== undefined ? { limits: e.limits } : {}),
    })),
  };
}

function parseOrigins(raw: string | undefined): Result<string[]> {
  if (raw === undefined) return { ok: true, value: [] };
  const out: string[] = [];
  for (const item of raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      return fail(
        `CORS_ORIGINS entry ${JSON.stringify(item.slice(0, 60))} is not an origin like https://app.example.com`,
      );
    }
    if (!/^https?:$/.test(url.protocol) || url.origin !== item.replace(/\/$/, ""))
      return fail(
        `CORS_ORIGINS entry ${JSON.stringify(item.slice(0, 60))} is not an origin like https://app.example.com`,
      );
    out.push(url.origin);
  }
  return { ok: true, value: out };
}

function parseHosts(raw: string | undefined, bindHost: string): Result<string[]> {
  // Default: loopback names only while bound to loopback (DNS rebinding); anything when bound elsewhere,
  // where auth is mandatory and the public names are only known to the operator (set ALLOWED_HOSTS then).
  if (raw === undefined) return { ok: true, value: isLoopback(bindHost) ? LOOPBACK_HOSTS : ["*"] };
  const out: string[] = [];
  for (const item of raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "")) {
    if (item !== "*" && !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(item))
      return fail(`ALLOWED_HOSTS entry ${JSON.stringify(item.slice(0, 60))} must be a host name, host:port, or *`);
    out.push(item);
  }
  return { ok: true, value: out.length > 0 ? out : LOOPBACK_HOSTS };
}

/**
 * Validates the security env against the bind address. One rule above all: no authentication is allowed
 * only on loopback; anything else refuses to start with one line.
 */
export function securityConfigFromEnv(e: SecurityEnv, bindHost: string): Result<SecurityConfig> {
  const keys: ApiKeyEntry[] = [];
  if (e.API_KEYS !== undefined) {
    const r = parseApiKeys(e.API_KEYS);
    if (!r.ok) return r;
    keys.push(...r.value);
  }
  if (e.API_KEYS_FILE !== undefined) {
    const r = parseApiKeysFile(e.API_KEYS_FILE);
    if (!r.ok) return r;
    keys.push(...r.value);
  }
  const hashes = new Set(keys.map((k) => k.hash.toString("hex")));
  if (hashes.size !== keys.length) return fail("API_KEYS / API_KEYS_FILE hold the same key twice");
  const jwtGiven = e.JWT_SECRET !== undefined || e.JWT_JWKS_URL !== undefined;

  // Unset AUTH_MODE: whatever credentials are configured, else none.
  const modes =
    (e.AUTH_MODE ?? [keys.length > 0 ? "api_key" : "", jwtGiven ? "jwt" : ""].filter(Boolean).join(",")) || "none";
  const list = [
    ...new Set(
      modes
        .split(",")
        .map((m) => m.trim())
        .filter((m) => m !== ""),
    ),
  ];
  if (list.length === 0 || !list.every((m): m is AuthMode => m === "none" || m === "api_key" || m === "jwt"))
    return fail("AUTH_MODE must be none, api_key, jwt, or api_key,jwt");
  if (list.includes("none") && list.length > 1) return fail("AUTH_MODE=none cannot be combined with api_key or jwt");
  if (list.includes("none") && !isLoopback(bindHost)) {
    return fail(
      `AUTH_MODE=none is only allowed when HOST is a loopback address (HOST=${bindHost}); set AUTH_MODE=api_key or jwt with API_KEYS or JWT_SECRET/JWT_JWKS_URL`,
    );
  }
  if (list.includes("api_key") && keys.length === 0)
    return fail("AUTH_MODE includes api_key but neither API_KEYS nor API_KEYS_FILE gives a key");

  let jwt: JwtSettings | undefined;
  if (list.includes("jwt")) {
    if ((e.JWT_SECRET === undefined) === (e.JWT_JWKS_URL === undefined))
      return fail("AUTH_MODE includes jwt: set exactly one of JWT_SECRET (HS256) or JWT_JWKS_URL (RS256/ES256)");
    if (e.JWT_SECRET !== undefined && e.JWT_SECRET.length < 32)
      return fail("JWT_SECRET must be at least 32 characters");
    if (e.JWT_JWKS_URL !== undefined && e.JWT_AUDIENCE === undefined)
      return fail(
        "JWT_AUDIENCE is required with JWT_JWKS_URL (a shared identity provider signs tokens for other apps too)",
      );
    jwt = {
      ...(e.JWT_SECRET !== undefined ? { secret: new TextEncoder().encode(e.JWT_SECRET) } : {}),
      ...(e.JWT_JWKS_URL !== undefined ? { jwksUrl: e.JWT_JWKS_URL } : {}),
      ...(e.JWT_ISSUER !== undefined ? { issuer: e.JWT_ISSUER } : {}),
      ...(e.JWT_AUDIENCE !== undefined ? { audience: e.JWT_AUDIENCE } : {}),
      tenantClaim: e.JWT_TENANT_CLAIM,
      clockToleranceS: e.JWT_CLOCK_TOLERANCE_S,
      jwksCooldownMs: 30_000,
    };
  }
  const origins = parseOrigins(e.CORS_ORIGINS);
  if (!origins.ok) return origins;
  const hosts = parseHosts(e.ALLOWED_HOSTS, bindHost);
  if (!hosts.ok) return hosts;
  return {
    ok: true,
    value: {
      authModes: list,
      apiKeys: keys,
      jwt,
      sessionScope: e.SESSION_SCOPE,
      corsOrigins: origins.value,
      allowedHosts: hosts.value,
    },
  };
}
