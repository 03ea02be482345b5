import type { UsageReport } from "@acb/schemas";
import type { UsageMeter } from "@acb/turns";
import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../http/errors.js";

const UsageQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(90).default(30) });

/** GET /v1/usage: the caller's own tenant's tokens per UTC day. No parameter names a tenant. */
export function usageRoutes(usage: UsageMeter): Hono {
  const app = new Hono();
  app.get("/usage", async (c) => {
    const parsed = UsageQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : "days";
      throw new ApiError(400, "bad_request", `${field} is not valid`, [
        {
          field,
          message: issue?.code === "unrecognized_keys" ? "is not a known parameter" : "must be an integer from 1 to 90",
        },
      ]);
    }
    const identity = c.get("identity");
    const tenant = identity !== undefined && identity.via !== "none" ? identity.tenant : "";
    const days = await usage.read(tenant, parsed.data.days);
    const report: UsageReport = {
      tenant: tenant === "" ? null : tenant,
      days,
      /** How the numbers were made (see the README, Security › Limits). */
      source: "provider usage_metadata where the model reported it; characters / 4 otherwise (counted_turns)",
    };
    return c.json(report);
  });
  return app;
}
