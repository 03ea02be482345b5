import { activeTraceId, inSpan, SpanKind, tracingEnabled, type GatewayMetrics } from "@acb/telemetry";
import type { Logger } from "@acb/logger";
import { context, propagation } from "@opentelemetry/api";
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Identity } from "../auth/identity.js";

/** The route pattern that answered (`/v1/turns/:turn_id/stream`), never the raw path; `unmatched` for a 404 on no route. */
export function routePattern(c: Context): string {
  const handler = matchedRoutes(c).findLast((r) => r.method !== "ALL");
  return handler?.path ?? "unmatched";
}

/**
 * One line per request at info (method, route pattern, status, duration until the response head, turn id,
 * tenant when authenticated, trace id), the HTTP metrics, and — with tracing on — a server span that joins a
 * caller's `traceparent` and is the parent of the turn's spans.
 */
export function observeRequests(log: Logger, metrics: GatewayMetrics | undefined): MiddlewareHandler {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    let traceId: string | undefined;
    if (tracingEnabled()) {
      const parent = propagation.extract(context.active(), Object.fromEntries(c.req.raw.headers));
      await inSpan(
        c.req.method,
        { kind: SpanKind.SERVER, parent, attributes: { "http.request.method": c.req.method, "url.path": c.req.path } },
        async (span) => {
          traceId = activeTraceId();
          await next();
          const route = routePattern(c);
          span.updateName(`${c.req.method} ${route}`);
          span.setAttribute("http.route", route);
          span.setAttribute("http.response.status_code", c.res.status);
        },
      );
    } else await next();
    const route = routePattern(c);
    const seconds = (performance.now() - started) / 1000;
    metrics?.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics?.requestDuration.observe({ method: c.req.method, route }, seconds);
    const turnId = c.res.headers.get("x-turn-id");
    const identity = c.get("identity") as Identity | undefined;
    log.info("request", {
      method: c.req.method,
      route,
      status: c.res.status,
      ms: Math.round(seconds * 1000),
      ...(turnId !== null ? { turn_id: turnId } : {}),
      ...(identity !== undefined && identity.via !== "none" ? { tenant: identity.tenant } : {}),
      ...(traceId !== undefined ? { trace_id: traceId } : {}),
    });
  });
}
