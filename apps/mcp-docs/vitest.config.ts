import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // LanceDB and PGlite are heavy: two files at once is enough on a 2-core machine
    maxWorkers: 2,
    // No module here keeps state between files (each test file builds its own directories, stores and servers):
    // a worker imports LanceDB, PGlite and LangChain once instead of once a file.
    isolate: false,
  },
});
