/**
 * Configuration: argv and env are read once, here, validated with zod, and turned into a plain object.
 * A bad value fails at start with one line naming the flag or variable.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { shownValue } from "@acb/schemas";
import { z } from "zod";
import { DEFAULT_DENY } from "./deny.js";
import { ConfigError, HelpRequested } from "./errors.js";

export { HelpRequested };

export interface Limits {
  /** Longest accepted path argument, in bytes. */
  readonly maxPathLength: number;
  /** Default of read_text's max_bytes (the seed's 100000). */
  readonly defaultReadBytes: number;
  /** Largest max_bytes a client may ask for. */
  readonly maxReadBytes: number;
  /** Largest result count (entries, matches) a client may ask for. */
  readonly maxEntries: number;
  /** Deepest directory level walked. */
  readonly maxDepth: number;
  /** Per tool call. */
  readonly toolTimeoutMs: number;
  /** search_text stops (and says so) after this long. */
  readonly searchTimeMs: number;
  /** search_text skips larger files. */
  readonly searchMaxFileBytes: number;
  /** read_text with a line range scans at most this many bytes of a file. */
  readonly lineScanBytes: number;
}

export interface HttpConfig {
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly allowedOrigins: readonly string[];
  readonly maxBodyBytes: number;
  /** All HTTP sessions together. */
  readonly maxSessions: number;
  /** Sessions one client (bearer credential + remote address) may hold at once. */
  readonly maxSessionsPerClient: number;
  /** A session with no request for this long is closed. */
  readonly sessionIdleMs: number;
}

export interface Config {
  readonly roots: readonly string[];
  /** Where the roots came from, to name it in errors. */
  readonly rootsFrom: "--root" | "FILES_ROOT";
  readonly transport: "stdio" | "http";
  readonly http: HttpConfig;
  readonly deny: readonly string[];
  readonly limits: Limits;
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

export const USAGE = `usage: mcp-fileserver --root <dir> [--root <dir> ...] [--transport stdio|http] [--port 8080] [--host 127.0.0.1]
  [--allowed-origin <origin> ...] [--deny <glob> ...] [--no-default-deny] [--max-read-bytes N] [--max-entries N]
  [--tool-timeout-ms N] [--max-body-bytes N]
env: FILES_ROOT, FILESERVER_TRANSPORT, FILESERVER_PORT, FILESERVER_HOST, MCP_AUTH_TOKEN, FILESERVER_ALLOWED_ORIGINS,
  FILESERVER_DENY, FILESERVER_DEFAULT_DENY, FILESERVER_MAX_READ_BYTES, FILESERVER_MAX_ENTRIES, FILESERVER_TOOL_TIMEOUT_MS,
  FILESERVER_MAX_BODY_BYTES, FILESERVER_SEARCH_MAX_FILE_BYTES, FILESERVER_SEARCH_TIME_MS, FILESERVER_MAX_SESSIONS,
  FILESERVER_MAX_SESSIONS_PER_CLIENT, FILESERVER_SESSION_IDLE_MS, LOG_LEVEL`;

export type Env = Readonly<Record<string, string | undefined>>;

/** The value appears in the error only when it cannot hold a secret (see @acb/schemas' shownValue). */
export function pick<T>(schema: z.ZodType<T>, value: unknown, name: string, expected: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const shown = shownValue(name, value);
    throw new ConfigError(`${name} must be ${expected}${shown === undefined ? "" : ` (got ${shown})`}`);
  }
  return r.data;
}

export const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

export function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;
type FlagValues<O extends FlagOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: O }>
>["values"];

/**
 * Both servers' argv reader: strict flags, no positionals. A parse error becomes one ConfigError line;
 * `--help` (every server declares it) becomes HelpRequested carrying the usage text.
 */
export function parseFlags<const O extends FlagOptions>(
  argv: readonly string[],
  usage: string,
  options: O,
): FlagValues<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`arguments: ${msg.replace(/\s*\n\s*/g, " ")}`);
  }
  if ((parsed.values as Readonly<Record<string, unknown>>).help === true) throw new HelpRequested(usage);
  return parsed.values;
}

export function loadConfig(argv: readonly string[], env: Env): Config {
  const v = parseFlags(argv, USAGE, {
    root: { type: "string", multiple: true },
    transport: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "allowed-origin": { type: "string", multiple: true },
    deny: { type: "string", multiple: true },
    "no-default-deny": { type: "boolean" },
    "max-read-bytes": { type: "string" },
    "max-entries": { type: "string" },
    "tool-timeout-ms": { type: "string" },
    "max-body-bytes": { type: "string" },
    help: { type: "boolean", short: "h" },
  });

  const rootsFromFlags = v.root ?? [];
  const roots =
    rootsFromFlags.length > 0
      ? rootsFromFlags
      : env.FILES_ROOT !== undefined && env.FILES_ROOT !== ""
        ? [env.FILES_ROOT]
        : [];
  if (roots.length === 0) throw new ConfigError("FILES_ROOT (or --root) is required: the directory to serve");
  for (const r of roots)
    pick(
      z
        .string()
        .min(1)
        .max(4096)
        .refine((s) => !s.includes("\0")),
      r,
      rootsFromFlags.length > 0 ? "--root" : "FILES_ROOT",
      "a directory path",
    );

  const { transport, ...address } = loadServing(v, env, {
    transport: "FILESERVER_TRANSPORT",
    port: "FILESERVER_PORT",
    host: "FILESERVER_HOST",
    allowedOrigins: "FILESERVER_ALLOWED_ORIGINS",
    defaultPort: "8080",
  });

  const deny = loadDeny(v, env, "FILESERVER", { exceptions: true });
  const num = intSetting(env);

  const limits: Limits = {
    maxPathLength: 4096,
    defaultReadBytes: 100_000,
    maxReadBytes: num(
      "--max-read-bytes",
      "FILESERVER_MAX_READ_BYTES",
      String(4 * 1024 * 1024),
      1024,
      256 * 1024 * 1024,
      v["max-read-bytes"],
    ),
    maxEntries: num("--max-entries", "FILESERVER_MAX_ENTRIES", "10000", 10, 1_000_000, v["max-entries"]),
    maxDepth: 20,
    toolTimeoutMs: num("--tool-timeout-ms", "FILESERVER_TOOL_TIMEOUT_MS", "15000", 100, 600_000, v["tool-timeout-ms"]),
    searchTimeMs: num("", "FILESERVER_SEARCH_TIME_MS", "5000", 10, 600_000, undefined),
    searchMaxFileBytes: num(
      "",
      "FILESERVER_SEARCH_MAX_FILE_BYTES",
      String(4 * 1024 * 1024),
      1024,
      1024 * 1024 * 1024,
      undefined,
    ),
    lineScanBytes: 64 * 1024 * 1024,
  };
  const maxSessions = num("", "FILESERVER_MAX_SESSIONS", "256", 1, 100_000, undefined);
  const maxSessionsPerClient = Math.min(
    maxSessions,
    num("", "FILESERVER_MAX_SESSIONS_PER_CLIENT", "16", 1, 100_000, undefined),
  );
  const sessionIdleMs = num("", "FILESERVER_SESSION_IDLE_MS", String(5 * 60_000), 1000, 24 * 3600_000, undefined);
  const maxBodyBytes = num(
    "--max-body-bytes",
    "FILESERVER_MAX_BODY_BYTES",
    String(1024 * 1024),
    1024,
    64 * 1024 * 1024,
    v["max-body-bytes"],
  );
  const logLevel = pick(
    z.enum(["debug", "info", "warn", "error"]),
    (env.LOG_LEVEL ?? "info").toLowerCase(),
    "LOG_LEVEL",
    "debug, info, warn or error",
  );

  return {
    roots,
    rootsFrom: rootsFromFlags.length > 0 ? "--root" : "FILES_ROOT",
    transport,
    http: {
      ...address,
      maxBodyBytes,
      maxSessions,
      maxSessionsPerClient,
      sessionIdleMs,
    },
    deny,
    limits: {
      ...limits,
      defaultReadBytes: Math.min(limits.defaultReadBytes, limits.maxReadBytes),
      searchTimeMs: Math.min(limits.searchTimeMs, Math.max(10, limits.toolTimeoutMs - 500)),
    },
    logLevel,
  };
}

/**
 * Both servers' integer settings: the flag's value over the variable over `def`, in [min, max]; an error names
 * whichever of the flag and the variable was used. A flag of "" (no flag) reads the variable only.
 */
export function intSetting(env: Env) {
  return (flag: string, envName: string, def: string, min: number, max: number, flagValue: string | undefined) =>
    pick(
      intIn(min, max),
      flagValue ?? env[envName] ?? def,
      flagValue !== undefined ? flag : envName,
      `an integer ${min}-${max}`,
    );
}

/**
 * Both servers' deny-list: DEFAULT_DENY unless `--no-default-deny` or {prefix}_DEFAULT_DENY=false, then the globs
 * of {prefix}_DENY and `--deny`, each relative and without '..'. `exceptions`: the file server's '!name' entries
 * (one name, no '/').
 */
export function loadDeny(
  v: { readonly deny?: string[] | undefined; readonly "no-default-deny"?: boolean | undefined },
  env: Env,
  prefix: "FILESERVER" | "DOCS",
  o: { readonly exceptions: boolean },
): string[] {
  const defaultName = `${prefix}_DEFAULT_DENY`;
  const defaultDeny =
    v["no-default-deny"] === true ? false : pick(bool, env[defaultName] ?? "true", defaultName, "true or false");
  const extraDeny = [...list(env[`${prefix}_DENY`]), ...(v.deny ?? [])];
  for (const d of extraDeny) {
    const body = o.exceptions && d.startsWith("!") ? d.slice(1).replace(/\/$/, "") : "";
    pick(
      z
        .string()
        .min(1)
        .max(256)
        .refine((s) => !s.includes("..") && !s.startsWith("/") && !s.includes("\\") && !body.includes("/")),
      d,
      `${prefix}_DENY/--deny`,
      o.exceptions
        ? "a relative glob without '..' ('!name' exceptions: one name, no '/')"
        : "a relative glob without '..'",
    );
  }
  return [...(defaultDeny ? DEFAULT_DENY : []), ...extraDeny];
}

/** The flags {@link loadServing} reads (both servers' parseArgs options have them). */
export interface ServingFlags {
  readonly transport?: string | undefined;
  readonly port?: string | undefined;
  readonly host?: string | undefined;
  readonly "allowed-origin"?: string[] | undefined;
}

export interface Serving {
  readonly transport: "stdio" | "http";
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly allowedOrigins: readonly string[];
}

/**
 * How an MCP server is reached, read the same way by the file server and mcp-docs: transport, address and
 * origins from flags over the server's own variables, the bearer token from MCP_AUTH_TOKEN; HTTP on a
 * non-loopback address without a token is refused.
 */
export function loadServing(
  v: ServingFlags,
  env: Env,
  names: { transport: string; port: string; host: string; allowedOrigins: string; defaultPort: string },
): Serving {
  const transportName = v.transport !== undefined ? "--transport" : names.transport;
  const transport = pick(
    z
      .enum(["stdio", "http", "streamable-http", "streamable_http"])
      .transform((t) => (t === "stdio" ? "stdio" : "http") as "stdio" | "http"),
    v.transport ?? env[names.transport] ?? "stdio",
    transportName,
    "stdio or http",
  );
  const port = pick(
    intIn(0, 65535),
    v.port ?? env[names.port] ?? names.defaultPort,
    v.port !== undefined ? "--port" : names.port,
    "an integer 0-65535",
  );
  const hostName = v.host !== undefined ? "--host" : names.host;
  const host = pick(
    z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9.:[\]-]+$/),
    v.host ?? env[names.host] ?? "127.0.0.1",
    hostName,
    "a host name or IP address",
  );
  const tokenRaw = env.MCP_AUTH_TOKEN;
  const token =
    tokenRaw === undefined || tokenRaw === ""
      ? undefined
      : pick(
          z
            .string()
            .min(16)
            .max(4096)
            .regex(/^[\x21-\x7e]+$/),
          tokenRaw,
          "MCP_AUTH_TOKEN",
          "16 or more printable characters without spaces",
        );
  if (transport === "http" && !isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(
      `${hostName} ${host} is not a loopback address: set MCP_AUTH_TOKEN before serving beyond this machine`,
    );
  }
  const originsFromFlags = v["allowed-origin"] ?? [];
  const allowedOrigins = originsFromFlags.length > 0 ? originsFromFlags : list(env[names.allowedOrigins]);
  const originName = originsFromFlags.length > 0 ? "--allowed-origin" : names.allowedOrigins;
  for (const o of allowedOrigins)
    pick(
      z.string().regex(/^https?:\/\/[^/\s]+$/),
      o,
      originName,
      "an origin like https://app.example.com (scheme://host[:port], no path)",
    );
  return { transport, host, port, token, allowedOrigins };
}
