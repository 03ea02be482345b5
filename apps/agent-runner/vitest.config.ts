import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    // Two files at once (vitest gives a 2-core box one worker): they wait on spawned runners, not on the CPU.
    maxWorkers: 2,
  },
});
