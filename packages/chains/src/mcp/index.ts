export * from "./config.js";
export { McpToolError } from "./errors.js";
export * from "./toolbox.js";
