import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files share nothing (own gateway, own upstream, own redis-server on a free port): run them side by side, two at
    // a time (vitest's default on a 2-core box is one worker; these files mostly wait on sockets and child processes).
    fileParallelism: true,
    maxWorkers: 2,
    // ...and in the same module graph: each worker imports the gateway (LangChain, OpenTelemetry, the MCP SDK…) once,
    // not once per file, which was most of this suite's CPU. Gateways keep no state at module level: each builds its
    // own metrics registry, history and queues; env is passed to the config parser, never to process.env. The one
    // process-wide thing is OpenTelemetry's global provider: only observability.test.ts starts tracing (a second
    // file that did would find the first one's provider registered in its worker).
    isolate: false,
    // expect.poll waits 1 s by default: a whole turn, or a browser rendering one, can take longer on a busy box. A poll
    // returns as soon as it passes, so a long limit costs nothing when things are quick.
    expect: { poll: { timeout: 10_000 } },
  },
});
