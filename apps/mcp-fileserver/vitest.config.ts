import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most of these files wait on spawned servers rather than compute: two at once even on two cores (the default
    // there is one). Not more: the regex-bomb file checks answer times, and HTTP servers must be up within 20 s.
    maxWorkers: 2,
    // No test module keeps state between files (each builds its own fixture and servers): one module graph a worker.
    isolate: false,
  },
});
