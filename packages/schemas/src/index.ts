export * from "./chat.js";
export * from "./events.js";
export * from "./turns.js";
export * from "./errors.js";
export * from "./sse.js";
export * from "./config.js";
export * from "./scope.js";
