import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files share nothing (own gateway, own upstream, own redis-server on a free port): run them side by side.
    fileParallelism: true,
  },
});
