import { configDefaults, defineConfig } from "vitest/config";
import processes from "../vitest.processes.mjs";

/**
 * Files whose load (1,000 open streams on a Redis Cluster) a loaded 2-core box cannot take next to another file
 * without the gateway's 1.5 s Redis command timeout answering 503: they run after the others, alone.
 */
const ALONE = ["test/cluster.test.ts"];

// The settings of the suites that start real processes (../vitest.processes.mts), with two files side by side:
// every file starts its own redis-server(s) and processes on free ports and its own temp dirs, so files share
// nothing but the CPU (on a 2-core box a third worker only adds waiting).
const shared = { ...processes.test, fileParallelism: true };
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: "e2e", exclude: [...configDefaults.exclude, ...ALONE] } },
      { test: { ...shared, name: "e2e-alone", include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
