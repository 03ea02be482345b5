import { defineConfig } from "vitest/config";

/** The vitest settings of the suites that start real processes (infra/deploy, infra/e2e). */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real processes and `pnpm deploy` runs: one file at a time on small CI boxes.
    fileParallelism: false,
    // expect.poll waits 1 s by default: a turn through a queue, a runner and a model can take longer on a busy box.
    // A poll returns as soon as it passes, so a long limit costs nothing when things are quick.
    expect: { poll: { timeout: 10_000 } },
  },
});
