// One config for the suites that start real processes: see ../vitest.processes.mts.
export { default } from "../vitest.processes.mjs";
