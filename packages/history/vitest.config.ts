import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // Files keep no module-level state, so a worker's files share the module graph (each would otherwise import it
    // again). Two workers: vitest gives a 2-core box one, and most of these tests wait on sockets and servers.
    isolate: false,
    maxWorkers: 2,
  },
});
