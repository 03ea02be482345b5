export * from "./ports.js";
export * from "./redis.js";
export * from "./process.js";
export * from "./sse-client.js";
export * from "./scripted-openai.js";
export * from "./docs-script.js";
export * from "./config-secrets.js";
export * from "./redis-cluster.js";
