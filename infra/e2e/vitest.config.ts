import { defineConfig, mergeConfig } from "vitest/config";
import processes from "../vitest.processes.mjs";

// The settings of the suites that start real processes (../vitest.processes.mts), with two files side by side:
// every file starts its own redis-server(s) and processes on free ports and its own temp dirs, so files share
// nothing but the CPU (on a 2-core box a third worker only adds waiting).
export default mergeConfig(processes, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }));
