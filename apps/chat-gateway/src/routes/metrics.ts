import { exposition, type Registry } from "@acb/telemetry";
import { Hono } from "hono";

/**
 * GET /metrics: Prometheus text. On the main port, behind the same Host and identity checks as the API (it is
 * not one of the open paths): with AUTH_MODE=api_key or jwt a scraper sends a credential like any client.
 */
export function metricsRoutes(registry: Registry): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const { contentType, body } = await exposition(registry);
    return c.body(body, 200, { "content-type": contentType, "cache-control": "no-store" });
  });
  return app;
}
