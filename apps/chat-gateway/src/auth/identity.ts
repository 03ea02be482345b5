import type { TurnScope } from "@acb/schemas";
import type { ApiKeyLimits } from "./config.js";

/** Who is calling. `none` = AUTH_MODE=none on loopback: no tenant, everything unscoped as before. */
export type Identity =
  | { readonly via: "none" }
  | {
      readonly via: "api_key" | "jwt";
      readonly tenant: string;
      readonly subject?: string;
      readonly limits?: ApiKeyLimits;
    };

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the auth middleware (app.ts) on every request it lets through. */
    identity: Identity;
    /** The tenant (and subject when SESSION_SCOPE=subject) every session, turn and stream of this caller is scoped to. */
    scope: TurnScope;
  }
}

export function scopeOf(identity: Identity, sessionScope: "tenant" | "subject"): TurnScope {
  if (identity.via === "none") return {};
  return sessionScope === "subject"
    ? { tenant: identity.tenant, subject: identity.subject }
    : { tenant: identity.tenant };
}
