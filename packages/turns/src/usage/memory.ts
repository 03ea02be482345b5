import { lastDays, utcDay, type TokenUsage, type UsageDay, type UsageMeter } from "./types.js";

type Counts = { input_tokens: number; output_tokens: number; turns: number; counted_turns: number };

/** Embedded mode's meter: per tenant per day, in this process (gone at restart). */
export class InMemoryUsageMeter implements UsageMeter {
  private readonly days = new Map<string, Counts>();

  async record(tenant: string, usage: TokenUsage, at = Date.now()): Promise<void> {
    const key = `${tenant}\u0000${utcDay(at)}`;
    const c = this.days.get(key) ?? { input_tokens: 0, output_tokens: 0, turns: 0, counted_turns: 0 };
    c.input_tokens += usage.inputTokens;
    c.output_tokens += usage.outputTokens;
    c.turns += 1;
    if (usage.source === "counted") c.counted_turns += 1;
    this.days.set(key, c);
  }

  async read(tenant: string, days: number, now = Date.now()): Promise<UsageDay[]> {
    return lastDays(days, now).flatMap((day) => {
      const c = this.days.get(`${tenant}\u0000${day}`);
      return c ? [{ day, ...c }] : [];
    });
  }

  async close(): Promise<void> {
    this.days.clear();
  }
}
