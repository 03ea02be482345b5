import { z } from "zod";

/** One UTC day of a tenant's token usage. */
export const UsageDayReport = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  turns: z.number().int().nonnegative(),
  /** Turns whose tokens were estimated from characters (the model reported no usage). */
  counted_turns: z.number().int().nonnegative(),
});

/** GET /v1/usage's answer: the caller's own tenant (null when AUTH_MODE=none), a row per day that had turns. */
export const UsageReport = z.object({
  tenant: z.string().nullable(),
  days: z.array(UsageDayReport),
  source: z.string(),
});
export type UsageReport = z.infer<typeof UsageReport>;
