import { openApiDocument } from "@acb/schemas";
import { Hono } from "hono";
import { DOCS_PAGE } from "../docs/page.js";

/** `/openapi.json` (generated from the zod schemas) and `/docs`, a small local reference page (no CDN). */
export function docsRoutes(options: { modelId: string }): Hono {
  const app = new Hono();
  const document = JSON.stringify(openApiDocument({ modelId: options.modelId }));
  app.get("/openapi.json", (c) => c.body(document, 200, { "content-type": "application/json; charset=utf-8" }));
  app.get("/docs", (c) => c.html(DOCS_PAGE));
  return app;
}
