export * from "./executor.js";
export * from "./log.js";
