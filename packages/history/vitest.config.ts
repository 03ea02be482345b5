import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // The files run one after another in one worker (a 2-core box gets one) and keep no module-level state, so
    // they share the module graph: each file would otherwise import it again.
    isolate: false,
  },
});
