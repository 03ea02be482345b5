import { FastMCP } from "fastmcp";
import type { Config } from "./config.js";
import { DenyList } from "./deny.js";
import type { Logger } from "@acb/logger";
import { fastmcpLogger } from "./log.js";
import { PathPolicy, type Root } from "./paths.js";
import { registerTools } from "./tools/index.js";
import type { ServedToolInstrument } from "@acb/telemetry";

export const SERVER_NAME = "FileServer";
export const SERVER_VERSION = "0.1.0";

export function buildServer(
  config: Config,
  roots: readonly Root[],
  log: Logger,
  instrument?: ServedToolInstrument,
): FastMCP {
  const policy = new PathPolicy({ roots, deny: new DenyList(config.deny), maxPathLength: config.limits.maxPathLength });
  const server = new FastMCP({
    name: SERVER_NAME,
    version: SERVER_VERSION,
    instructions:
      roots.length > 1
        ? `Read-only access to ${roots.length} directories; a path's first segment names one of them (${roots.map((r) => r.name).join(", ")}).`
        : "Read-only access to one directory; paths are relative to it.",
    logger: fastmcpLogger(log),
    roots: { enabled: false },
    ping: { enabled: false },
    health: { enabled: false },
  });
  registerTools(server, { policy, limits: config.limits, log, ...(instrument !== undefined ? { instrument } : {}) });
  return server;
}
