export * from "./executor.js";
export * from "./app-config.js";
