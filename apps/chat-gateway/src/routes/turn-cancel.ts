import { Hono } from "hono";
import { ApiError } from "../http/errors.js";
import { turnIdParam } from "../http/validate.js";
import type { TurnService } from "../turn-service.js";

/**
 * POST /v1/turns/{turn_id}/cancel: asks whoever runs the turn to stop (202, idempotent). Owner only: another
 * tenant's turn and one that never existed are the same 404. A turn still queued (no event yet) is cancelled
 * too. The turn then ends with `error` (code `cancelled`) and `done`, which its followers see; what they saw
 * stays in the session's history as an interrupted answer.
 */
export function turnCancelRoutes(turns: TurnService): Hono {
  const app = new Hono();
  app.post("/turns/:turnId/cancel", async (c) => {
    const turnId = turnIdParam(c);
    if (!(await turns.visible(turnId, c.get("scope") ?? {})))
      throw new ApiError(404, "not_found", "no such turn (it may have expired)");
    await turns.cancel(turnId);
    return c.json({ turn_id: turnId, status: "cancelling" }, 202);
  });
  return app;
}
