export * from "./metrics.js";
export * from "./tracing.js";
export * from "./spans.js";
export * from "./turn-observer.js";
export * from "./redis-state.js";
export * from "./readiness.js";
