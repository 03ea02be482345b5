import { describe, expect, it } from "vitest";
import { useAdapter } from "../../__tests__/adapter.js";
import type { UsageMeter } from "../types.js";

/** One suite for every UsageMeter adapter. */
export function describeUsageMeterContract(name: string, make: () => Promise<UsageMeter>): void {
  describe(`UsageMeter contract: ${name}`, () => {
    const meter = useAdapter(make);
    const day = Date.UTC(2026, 0, 15, 12);

    it("adds up a tenant's turns per UTC day, and tells estimated turns apart", async () => {
      await meter().record("acme", { inputTokens: 100, outputTokens: 20, source: "provider" }, day);
      await meter().record("acme", { inputTokens: 50, outputTokens: 5, source: "counted" }, day + 3_600_000);
      await meter().record("acme", { inputTokens: 7, outputTokens: 1, source: "provider" }, day - 86_400_000);
      expect(await meter().read("acme", 3, day)).toEqual([
        { day: "2026-01-15", input_tokens: 150, output_tokens: 25, turns: 2, counted_turns: 1 },
        { day: "2026-01-14", input_tokens: 7, output_tokens: 1, turns: 1, counted_turns: 0 },
      ]);
    });

    it("keeps tenants apart and answers [] for a tenant without turns", async () => {
      await meter().record("globex", { inputTokens: 1, outputTokens: 1, source: "provider" }, day);
      expect((await meter().read("globex", 1, day))[0]?.input_tokens).toBe(1);
      expect(await meter().read("initech", 30, day)).toEqual([]);
    });
  });
}
