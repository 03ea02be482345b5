export * from "./types.js";
export * from "./ids.js";
export * from "./memory.js";
export * from "./worker.js";
