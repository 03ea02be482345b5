import { Hono } from "hono";
import { PLAYGROUND_PAGE } from "../playground/page.js";

/** The playground at `/` (off with PLAYGROUND=false). */
export function playgroundRoutes(): Hono {
  const app = new Hono();
  app.get("/", (c) => c.html(PLAYGROUND_PAGE));
  return app;
}
