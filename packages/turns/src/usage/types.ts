/**
 * Usage metering: tokens per tenant per UTC day, written by whoever runs the turn (the executor) and read by
 * the gateway's GET /v1/usage. Counts are the provider's when the model reported them (LangChain's
 * `usage_metadata`), otherwise estimated from characters (4 per token) and flagged as such.
 */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly source: "provider" | "counted";
}

export interface UsageDay {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly turns: number;
  /** Turns whose tokens were estimated from characters (the model reported no usage). */
  readonly counted_turns: number;
}

export interface UsageMeter {
  record(tenant: string, usage: TokenUsage, at?: number): Promise<void>;
  /** The tenant's last `days` days, newest first; days without turns are left out. */
  read(tenant: string, days: number, now?: number): Promise<UsageDay[]>;
  close(): Promise<void>;
}

/** Days a tenant's usage is kept. */
export const USAGE_RETENTION_DAYS = 90;

export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** The last `days` UTC days ending at `now`, newest first. */
export function lastDays(days: number, now: number): string[] {
  return Array.from({ length: Math.max(0, days) }, (_, i) => utcDay(now - i * 86_400_000));
}
