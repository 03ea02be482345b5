/**
 * How the toolbox reaches a server, one factory per `transport` value of {@link McpServerConfig}: a new transport
 * is one entry here (and its config shape in config.ts).
 */
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { McpServerConfig } from "./config.js";
import { withTraceContext } from "./trace-headers.js";

type StdioConfig = Extract<McpServerConfig, { transport: "stdio" }>;
type HttpConfig = Exclude<McpServerConfig, StdioConfig>;

const factories = {
  stdio: (config: StdioConfig): Transport =>
    new StdioClientTransport({
      command: config.command,
      args: config.args ?? [],
      ...(config.env !== undefined ? { env: { ...getDefaultEnvironment(), ...config.env } } : {}),
      ...(config.cwd !== undefined ? { cwd: config.cwd } : {}),
      // Piped, not inherited: the toolbox logs the server's stderr lines (and a child must never write to our stdout).
      stderr: "pipe",
    }),

  sse: (config: HttpConfig): Transport =>
    new SSEClientTransport(new URL(config.url), {
      ...(config.headers !== undefined ? { requestInit: { headers: config.headers } } : {}),
      ...(config.headers !== undefined
        ? {
            eventSourceInit: {
              // The EventSource GET does not take requestInit's headers: add them to its fetch.
              fetch: (url: string | URL, init?: RequestInit) => {
                const headers = new Headers(init?.headers);
                for (const [k, v] of Object.entries(config.headers ?? {})) headers.set(k, v);
                return fetch(url, { ...init, headers });
              },
            },
          }
        : {}),
    }),

  streamable_http: (config: HttpConfig): Transport =>
    new StreamableHTTPClientTransport(new URL(config.url), {
      ...(config.headers !== undefined ? { requestInit: { headers: config.headers } } : {}),
      // W3C traceparent on every request made inside a traced tool call (nothing added when tracing is off).
      fetch: withTraceContext(fetch),
      // No background retries of the standalone GET stream: a broken server is noticed and reconnected by the toolbox.
      reconnectionOptions: {
        maxRetries: 0,
        initialReconnectionDelay: 1000,
        maxReconnectionDelay: 1000,
        reconnectionDelayGrowFactor: 1,
      },
    }),
};

/** A fresh, unstarted transport for one server (a switch, so a transport added to the config type must be added here). */
export function transportFor(config: McpServerConfig): Transport {
  switch (config.transport) {
    case "stdio":
      return factories.stdio(config);
    case "sse":
      return factories.sse(config);
    case "streamable_http":
      return factories.streamable_http(config);
  }
}
