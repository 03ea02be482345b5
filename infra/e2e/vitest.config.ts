import { configDefaults, defineConfig } from "vitest/config";
import processes from "../vitest.processes.mjs";

/**
 * Files that open hundreds of streams at once (1,000 on a Redis Cluster, 300 on one Redis): each runs alone, after
 * the others, so the burst has the box to itself (they also give their gateways a 10 s REDIS_COMMAND_TIMEOUT_MS:
 * with the default 1.5 s a loaded box failed some of them with 503).
 */
const ALONE = ["test/cluster.test.ts", "test/distributed.test.ts"];

// The settings of the suites that start real processes (../vitest.processes.mts), with two files side by side:
// every file starts its own redis-server(s) and processes on free ports and its own temp dirs, so files share
// nothing but the CPU (on a 2-core box a third worker only adds waiting).
const shared = { ...processes.test, fileParallelism: true };
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: "e2e", exclude: [...configDefaults.exclude, ...ALONE] } },
      ...ALONE.map((file, i) => ({
        test: { ...shared, name: `e2e-alone-${i + 1}`, include: [file], sequence: { groupOrder: i + 1 } },
      })),
    ],
  },
});
