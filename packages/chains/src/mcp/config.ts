/**
 * MCP server config: the seed's env names (one server), or MCP_SERVERS, a JSON map of several servers.
 */
import { z } from "zod";
import { present } from "../model-config.js";

export type McpServerConfig =
  | { transport: "stdio"; command: string; args?: string[]; env?: Record<string, string>; cwd?: string }
  | { transport: "streamable_http" | "sse"; url: string; headers?: Record<string, string> };

export const DEFAULT_MCP_SERVER_URL = "http://localhost:8080/mcp";
/** The server name used when one server is configured from MCP_SERVER_URL / MCP_TRANSPORT. */
export const DEFAULT_MCP_SERVER_NAME = "files";

const SERVER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

const httpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name");
const headerValue = z.string().refine((s) => !/[\r\n\0]/.test(s), "must not contain line breaks");

const StdioServerSchema = z
  .object({
    transport: z.literal("stdio"),
    command: z.string().trim().min(1),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
  })
  .strict();

const HttpServerSchema = z
  .object({
    transport: z.enum(["streamable_http", "http", "sse"]),
    url: httpUrl,
    headers: z.record(headerName, headerValue).optional(),
  })
  .strict()
  .transform((s): McpServerConfig => {
    const transport = s.transport === "http" ? "streamable_http" : s.transport;
    return s.headers === undefined ? { transport, url: s.url } : { transport, url: s.url, headers: s.headers };
  });

const ServerSchema = z.union([StdioServerSchema, HttpServerSchema]).transform((s): McpServerConfig => {
  if (s.transport !== "stdio") return s;
  const out: McpServerConfig = { transport: "stdio", command: s.command };
  if (s.args !== undefined) out.args = s.args;
  if (s.env !== undefined) out.env = s.env;
  if (s.cwd !== undefined) out.cwd = s.cwd;
  return out;
});

/** The MCP_SERVERS value: a JSON object `{name: McpServerConfig}`; names 1–32 chars [A-Za-z0-9_-]; "http" = "streamable_http". */
export const McpServersSchema: z.ZodType<Record<string, McpServerConfig>> = z
  .record(z.string().regex(SERVER_NAME, "server names are 1-32 characters of A-Z a-z 0-9 _ -"), ServerSchema)
  .refine((r) => Object.keys(r).length > 0, "at least one server is required");

export interface McpEnv {
  MCP_SERVERS?: string;
  MCP_SERVER_URL?: string;
  MCP_TRANSPORT?: string;
  MCP_STDIO_COMMAND?: string;
  MCP_STDIO_ARGS?: string;
}

export type McpServersResult = { ok: true; value: Record<string, McpServerConfig> } | { ok: false; message: string };

/** `{ value }` of a JSON text, or undefined where the text is not JSON (the caller names the variable). */
function parseJson(text: string): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function issueText(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return "is invalid";
  const where = first.path.length > 0 ? ` at ${first.path.map(String).join(".")}` : "";
  return `${first.message}${where}`;
}

/**
 * The MCP servers from the seed's env names (values passed in; packages never read the environment).
 * MCP_SERVERS (JSON) wins when set; else one server named "files" from MCP_SERVER_URL (default
 * http://localhost:8080/mcp) and MCP_TRANSPORT (streamable_http | http | sse | stdio, default streamable_http); for
 * stdio, MCP_STDIO_COMMAND and MCP_STDIO_ARGS (a JSON array of strings) are used instead of the URL.
 */
export function mcpServersFromEnv(env: McpEnv): McpServersResult {
  if (present(env.MCP_SERVERS)) {
    const parsed = parseJson(env.MCP_SERVERS);
    if (parsed === undefined)
      return {
        ok: false,
        message: "MCP_SERVERS must be a JSON object {name: {transport, url | command, ...}} (it is not valid JSON)",
      };
    const { value } = parsed;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { ok: false, message: "MCP_SERVERS must be a JSON object {name: {transport, url | command, ...}}" };
    }
    const r = McpServersSchema.safeParse(value);
    if (!r.success) return { ok: false, message: `MCP_SERVERS is invalid: ${issueText(r.error)}` };
    return { ok: true, value: r.data };
  }

  const transportRaw = present(env.MCP_TRANSPORT)
    ? env.MCP_TRANSPORT.trim().toLowerCase().replace("-", "_")
    : "streamable_http";
  if (transportRaw === "stdio") {
    if (!present(env.MCP_STDIO_COMMAND)) {
      return {
        ok: false,
        message: "MCP_STDIO_COMMAND is required when MCP_TRANSPORT=stdio (the command that starts the MCP server)",
      };
    }
    let args: string[] = [];
    if (present(env.MCP_STDIO_ARGS)) {
      const parsed = parseJson(env.MCP_STDIO_ARGS);
      const r = parsed && z.array(z.string()).safeParse(parsed.value);
      // not JSON at all, or JSON of another shape: the same answer
      if (!r?.success)
        return {
          ok: false,
          message: 'MCP_STDIO_ARGS must be a JSON array of strings, e.g. ["dist/main.js","--root","./files"]',
        };
      args = r.data;
    }
    return {
      ok: true,
      value: { [DEFAULT_MCP_SERVER_NAME]: { transport: "stdio", command: env.MCP_STDIO_COMMAND.trim(), args } },
    };
  }
  if (transportRaw !== "streamable_http" && transportRaw !== "http" && transportRaw !== "sse") {
    return {
      ok: false,
      message: `MCP_TRANSPORT must be streamable_http, sse or stdio (got ${JSON.stringify(env.MCP_TRANSPORT?.slice(0, 40))})`,
    };
  }
  const url = present(env.MCP_SERVER_URL) ? env.MCP_SERVER_URL.trim() : DEFAULT_MCP_SERVER_URL;
  if (!httpUrl.safeParse(url).success) {
    return { ok: false, message: `MCP_SERVER_URL must be an http(s) URL like ${DEFAULT_MCP_SERVER_URL}` };
  }
  const transport = transportRaw === "sse" ? "sse" : "streamable_http";
  return { ok: true, value: { [DEFAULT_MCP_SERVER_NAME]: { transport, url } } };
}
