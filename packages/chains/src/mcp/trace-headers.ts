import { currentTraceCarrier } from "@acb/telemetry";

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that adds the active span's `traceparent` (and `tracestate`) to MCP HTTP requests, so the MCP
 * server's span joins the turn's trace. The MCP SDK sends each request from the caller's async context, so the
 * active span is the tool call's.
 */
export function withTraceContext(inner: Fetch): Fetch {
  return (url, init) => {
    const carrier = currentTraceCarrier();
    if (carrier === undefined) return inner(url, init);
    const headers = new Headers(init?.headers);
    headers.set("traceparent", carrier.traceparent);
    if (carrier.tracestate !== undefined) headers.set("tracestate", carrier.tracestate);
    return inner(url, { ...init, headers });
  };
}
