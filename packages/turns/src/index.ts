export * from "./types.js";
export * from "./ids.js";
export * from "./memory.js";
export * from "./worker.js";
export * from "./keys.js";
export * from "./codec.js";
export * from "./redis.js";
export { StreamMultiplexer } from "./multiplexer.js";
