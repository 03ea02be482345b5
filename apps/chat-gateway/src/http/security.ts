import type { Logger } from "@acb/logger";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { Authenticator, Credentials } from "../auth/authenticator.js";
import { scopeOf } from "../auth/identity.js";
import { jsonError } from "./errors.js";

/**
 * The browser-usable WebSocket credential: browsers cannot set headers on `new WebSocket()`, and a token in
 * the URL ends up in logs and history. So the client offers two subprotocols, `acb.v1` and
 * `acb.bearer.<token>`; the gateway reads the token from the upgrade request and answers with `acb.v1` only,
 * so the token is never echoed back.
 */
export const WS_SUBPROTOCOL = "acb.v1";
export const WS_BEARER_PREFIX = "acb.bearer.";

/** For ws's `handleProtocols`: pick the fixed subprotocol when offered, never the one carrying the token. */
export function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false;
}

/** The Host a request was sent to (node-ws rebuilds upgrade URLs on localhost, so the header comes first). */
export function requestHost(headers: { header(name: string): string | undefined }, url: string): string {
  return (headers.header("host") ?? new URL(url).host).toLowerCase();
}

/** `name` allows that name on any port, `name:port` exactly that, `*` anything. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  if (allowed.includes("*") || allowed.includes(host)) return true;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  return allowed.includes(name);
}

/** DNS rebinding: a page on attacker.example resolving to 127.0.0.1 still sends `Host: attacker.example`. */
export function hostGuard(allowed: readonly string[]): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    if (!hostAllowed(requestHost(c.req, c.req.url), allowed)) {
      return jsonError(421, "bad_request", "this server does not answer for that Host", [
        { field: "Host", message: "is not in ALLOWED_HOSTS" },
      ]);
    }
    await next();
  });
}

/**
 * Cross-site WebSocket hijacking: browsers send `Origin` on every upgrade, CORS does not apply to
 * WebSockets, so the upgrade itself refuses a foreign origin. Allowed: CORS_ORIGINS and the gateway's own
 * origin (same host as the request). Clients that send no Origin (CLIs, servers) are not browsers and pass.
 */
export function wsOriginGuard(corsOrigins: readonly string[]): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !corsOrigins.includes(origin)) {
      // URL.parse: an unparsable Origin (e.g. "null" from a sandboxed page) is never the gateway's own.
      const sameHost = URL.parse(origin)?.host.toLowerCase() === requestHost(c.req, c.req.url);
      if (!sameHost) return jsonError(403, "forbidden", "this origin may not open a WebSocket here");
    }
    await next();
  });
}

function credentialsOf(header: (name: string) => string | undefined): Credentials {
  const authorization = header("authorization");
  if (authorization !== undefined) {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    return m?.[1] !== undefined ? { bearer: m[1] } : { malformed: true };
  }
  const apiKey = header("x-api-key");
  if (apiKey !== undefined) return { apiKey: apiKey.trim() };
  if (header("upgrade")?.toLowerCase() === "websocket") {
    const offered = (header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const token = offered.find((p) => p.startsWith(WS_BEARER_PREFIX))?.slice(WS_BEARER_PREFIX.length);
    if (token !== undefined) return { bearer: token };
  }
  return {};
}

/** Retry-After of the 503 while the identity provider's keys cannot be fetched. */
const AUTH_UNAVAILABLE_RETRY_AFTER_S = 5;

export interface AuthMiddlewareOptions {
  readonly sessionScope: "tenant" | "subject";
  /** Paths anyone may call: authenticated callers get the identity set, others pass without one. */
  readonly openPaths: readonly string[];
  readonly log: Logger;
}

/**
 * Sets `identity` and `scope` on the context, or answers 401 `{"error":{"code":"unauthorized"}}` with
 * `WWW-Authenticate: Bearer`. Why a credential failed is logged (never the credential), not told.
 */
export function authMiddleware(auth: Authenticator, options: AuthMiddlewareOptions): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    const result = await auth.authenticate(credentialsOf((name) => c.req.header(name)));
    if (result.ok) {
      c.set("identity", result.identity);
      c.set("scope", scopeOf(result.identity, options.sessionScope));
      return next();
    }
    if (options.openPaths.includes(c.req.path)) return next();
    if (result.reason === "unavailable") {
      options.log.warn("authentication unavailable", { reason: result.detail });
      // not the caller's fault: a later request fetches the key set again
      return jsonError(503, "not_ready", "authentication is temporarily unavailable", undefined, {
        "retry-after": String(AUTH_UNAVAILABLE_RETRY_AFTER_S),
      });
    }
    options.log.info("authentication refused", { path: c.req.path, reason: result.detail });
    const res = jsonError(
      401,
      "unauthorized",
      result.reason === "missing" ? "authentication required" : "invalid credentials",
    );
    res.headers.set(
      "www-authenticate",
      result.reason === "missing"
        ? 'Bearer realm="chat-gateway"'
        : 'Bearer realm="chat-gateway", error="invalid_token"',
    );
    return res;
  });
}
