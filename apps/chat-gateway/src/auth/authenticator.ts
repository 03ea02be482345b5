import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { timingSafeEqual } from "node:crypto";
import { Tenant } from "@acb/schemas";
import { sha256, type ApiKeyEntry, type AuthMode, type JwtSettings, type SecurityConfig } from "./config.js";
import type { Identity } from "./identity.js";

/** Where a credential was found on a request. */
export interface Credentials {
  /** `Authorization: Bearer <token>` (or `acb.bearer.<token>` in Sec-WebSocket-Protocol): an API key or a JWT. */
  readonly bearer?: string;
  /** `X-API-Key: <key>`. */
  readonly apiKey?: string;
  /** An Authorization header with another scheme (Basic …): never accepted. */
  readonly malformed?: boolean;
}

export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  /** `missing`: no credential at all; `invalid`: one was given and refused (the reason stays in the server). */
  | { readonly ok: false; readonly reason: "missing" | "invalid"; readonly detail: string }
  /** The identity provider's keys could not be fetched: not the caller's fault. */
  | { readonly ok: false; readonly reason: "unavailable"; readonly detail: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Checks credentials against the configured modes. Holds only key hashes; compares them in constant time. */
export class Authenticator {
  private readonly modes: ReadonlySet<AuthMode>;
  private readonly jwks: JWTVerifyGetKey | undefined;

  constructor(private readonly config: Pick<SecurityConfig, "authModes" | "apiKeys" | "jwt" | "sessionScope">) {
    this.modes = new Set(config.authModes);
    const jwt = config.jwt;
    this.jwks =
      jwt?.jwksUrl !== undefined
        ? createRemoteJWKSet(new URL(jwt.jwksUrl), {
            cooldownDuration: jwt.jwksCooldownMs,
            timeoutDuration: 5_000,
            cacheMaxAge: 10 * 60_000,
          })
        : undefined;
  }

  get open(): boolean {
    return this.modes.has("none");
  }

  async authenticate(creds: Credentials): Promise<AuthResult> {
    if (this.open) return { ok: true, identity: { via: "none" } };
    if (creds.malformed) return { ok: false, reason: "invalid", detail: "unsupported Authorization scheme" };
    const token = creds.bearer ?? creds.apiKey;
    if (token === undefined || token === "") return { ok: false, reason: "missing", detail: "no credentials" };
    if (this.modes.has("api_key")) {
      const key = this.matchApiKey(token);
      if (key)
        return {
          ok: true,
          identity: {
            via: "api_key",
            tenant: key.tenant,
            subject: key.name ?? `key:${key.hash.toString("hex").slice(0, 12)}`,
            ...(key.limits ? { limits: key.limits } : {}),
          },
        };
    }
    if (this.modes.has("jwt") && creds.bearer !== undefined && JWT_SHAPE.test(creds.bearer) && this.config.jwt)
      return this.verifyJwt(creds.bearer, this.config.jwt);
    return { ok: false, reason: "invalid", detail: "unknown API key or not a token" };
  }

  /** Every key is compared (no early exit), each in constant time, against the hash of what was sent. */
  private matchApiKey(presented: string): ApiKeyEntry | undefined {
    const hash = sha256(presented);
    let found: ApiKeyEntry | undefined;
    for (const entry of this.config.apiKeys) {
      if (timingSafeEqual(entry.hash, hash) && found === undefined) found = entry;
    }
    return found;
  }

  private async verifyJwt(token: string, jwt: JwtSettings): Promise<AuthResult> {
    try {
      const options = {
        algorithms: jwt.secret ? ["HS256"] : ["RS256", "ES256"],
        clockTolerance: jwt.clockToleranceS,
        ...(jwt.issuer !== undefined ? { issuer: jwt.issuer } : {}),
        ...(jwt.audience !== undefined ? { audience: jwt.audience } : {}),
      };
      const { payload } = jwt.secret
        ? await jwtVerify(token, jwt.secret, options)
        : await jwtVerify(token, this.jwks as JWTVerifyGetKey, options);
      // A token without an expiry would be valid forever.
      if (payload.exp === undefined) return { ok: false, reason: "invalid", detail: "token has no exp" };
      const tenant = payload[jwt.tenantClaim];
      if (!Tenant.safeParse(tenant).success || typeof tenant !== "string")
        return { ok: false, reason: "invalid", detail: `claim ${jwt.tenantClaim} missing or not a string` };
      const subject = typeof payload.sub === "string" && payload.sub !== "" ? payload.sub.slice(0, 256) : undefined;
      if (this.config.sessionScope === "subject" && subject === undefined)
        return { ok: false, reason: "invalid", detail: "token has no sub (SESSION_SCOPE=subject)" };
      return { ok: true, identity: { via: "jwt", tenant, ...(subject !== undefined ? { subject } : {}) } };
    } catch (err) {
      if (
        err instanceof joseErrors.JWKSTimeout ||
        (err instanceof joseErrors.JOSEError && err.code === "ERR_JWKS_INVALID") ||
        !(err instanceof joseErrors.JOSEError)
      ) {
        return { ok: false, reason: "unavailable", detail: err instanceof Error ? err.name : "jwks error" };
      }
      return { ok: false, reason: "invalid", detail: err.code };
    }
  }
}
