import { evaluateReadiness, type ReadinessCheck } from "@acb/telemetry";
import { Hono, type Context } from "hono";

/** ok=false of a check makes the gateway not ready (503); `optional` checks are reported but do not gate readiness. */
export type { ReadinessCheck };

/** /healthz: the process is alive. /readiness and /readyz: it can take turns now (each check reported). */
export function healthRoutes(
  mode: "embedded" | "distributed",
  checks: ReadinessCheck[],
  showDetails: (c: Context) => boolean = () => true,
): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  const ready = async (c: Context): Promise<Response> => {
    const { ok, checks: reported } = await evaluateReadiness(checks, 2_000);
    // Check details (runner counts, MCP servers) are for authenticated callers; others get the bare status.
    const body = !showDetails(c)
      ? { status: ok ? "ready" : "not_ready" }
      : {
          status: ok ? "ready" : "not_ready",
          mode,
          checks: reported,
        };
    return new Response(JSON.stringify(body), {
      status: ok ? 200 : 503,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  };
  app.get("/readiness", ready);
  app.get("/readyz", ready);
  return app;
}
