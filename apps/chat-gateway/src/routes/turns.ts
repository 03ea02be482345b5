import { Hono } from "hono";
import { ENTRY_ID_PATTERN } from "@acb/turns";
import { ApiError } from "../http/errors.js";
import { turnIdParam } from "../http/validate.js";
import { sseResponse } from "../http/sse.js";
import type { TurnService } from "../turn-service.js";

/**
 * GET /v1/turns/{turn_id}/events: follow a turn from any gateway replica. `Last-Event-ID` (header, or
 * `last_event_id` query for clients that cannot set headers) resumes right after the last event seen.
 * A turn still queued (no event yet) is followed and waits; a follower that already saw `done` gets 204
 * (a standard EventSource stops reconnecting on it); another tenant's turn or an unknown one is 404.
 */
export function turnRoutes(turns: TurnService, options: { heartbeatMs: number }): Hono {
  const app = new Hono();
  app.get("/turns/:turnId/events", async (c) => {
    const turnId = turnIdParam(c);
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("last_event_id") ?? "0";
    if (lastEventId !== "0" && !ENTRY_ID_PATTERN.test(lastEventId)) {
      throw new ApiError(400, "bad_request", "Last-Event-ID is not an event id of this API", [
        { field: "Last-Event-ID", message: "must look like 1700000000000-0" },
      ]);
    }
    // Another tenant's turn is the same 404 as one that never existed.
    if (!(await turns.visible(turnId, c.get("scope") ?? {})))
      throw new ApiError(404, "not_found", "no such turn (it may have expired)");
    if (await turns.followerFinished(turnId, lastEventId)) return c.body(null, 204);
    // No event logged: the turn is still queued (follow it; it waits), or its events expired (nothing more will come).
    if (!(await turns.exists(turnId)) && (lastEventId !== "0" || !(await turns.pending(turnId))))
      throw new ApiError(404, "not_found", "no such turn (it may have expired)");
    return sseResponse((signal) => turns.follow(turnId, lastEventId, signal), {
      heartbeatMs: options.heartbeatMs,
      headers: { "x-turn-id": turnId },
      drain: turns.draining,
    });
  });
  return app;
}
