/**
 * Configuration: argv and env are read once, here, validated with zod, and turned into a plain object.
 * A bad value fails at start with one line naming the flag or variable. Two commands share it:
 * `mcp-docs [serve]` (the MCP server) and `mcp-docs ingest --root DIR` (the ingestion CLI).
 */
import {
  intSetting,
  loadDeny,
  loadServing,
  parseFlags,
  pick,
  type Env,
  type HttpConfig,
} from "@acb/mcp-fileserver/config";
import { z } from "zod";
import { ConfigError } from "./errors.js";

export type StoreConfig =
  | { readonly kind: "lance"; readonly dataDir: string; readonly collection: string }
  | { readonly kind: "postgres"; readonly url: string; readonly collection: string; readonly poolSize: number };

export type EmbeddingsConfig =
  | { readonly kind: "hashing"; readonly dimensions: number }
  | {
      readonly kind: "openai";
      readonly model: string;
      readonly baseURL: string | undefined;
      readonly apiKey: string;
      readonly dimensions: number | undefined;
      readonly batchSize: number;
    };

export interface SearchLimits {
  readonly defaultK: number;
  readonly maxK: number;
  readonly maxQueryChars: number;
  readonly maxNeighbours: number;
  readonly toolTimeoutMs: number;
}

export interface IngestConfig {
  readonly root: string;
  readonly deny: readonly string[];
  readonly maxFileBytes: number;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
  /** Progress bar on a TTY, plain lines otherwise; `--quiet` prints the summary only. */
  readonly progress: "auto" | "lines" | "quiet";
}

/** What DOCS_MAX_FILE_BYTES, DOCS_CHUNK_SIZE and DOCS_CHUNK_OVERLAP default to. */
export const INGEST_DEFAULTS = { maxFileBytes: 5 * 1024 * 1024, chunkSize: 1000, chunkOverlap: 150 } as const;

interface Common {
  readonly store: StoreConfig;
  readonly embeddings: EmbeddingsConfig;
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

export interface ServeConfig extends Common {
  readonly command: "serve";
  readonly transport: "stdio" | "http";
  readonly http: HttpConfig;
  readonly limits: SearchLimits;
  /** `--seed DIR`: ingested before serving when the collection is empty (a ready-to-use demo collection). */
  readonly seed: IngestConfig | undefined;
}

export interface IngestCommandConfig extends Common {
  readonly command: "ingest";
  readonly ingest: IngestConfig;
  /** --rebuild: drop the collection and ingest it anew (a different embedder, a changed chunking). */
  readonly rebuild: boolean;
}

export type Config = ServeConfig | IngestCommandConfig;

export const USAGE = `usage: mcp-docs [serve] [--transport stdio|http] [--port 8081] [--host 127.0.0.1] [--allowed-origin <origin> ...]
         [--data-dir DIR] [--collection NAME] [--store lance|postgres] [--max-k N] [--seed DIR]
       mcp-docs ingest --root DIR [--rebuild] [--data-dir DIR] [--collection NAME] [--store lance|postgres] [--deny <glob> ...]
         [--no-default-deny] [--chunk-size N] [--chunk-overlap N] [--max-file-bytes N] [--progress auto|lines|quiet]
env: DOCS_ROOT, DOCS_SEED, DOCS_DATA_DIR (default ./.mcp-docs), DOCS_COLLECTION (default "docs"), DOCS_STORE (lance|postgres),
  DOCS_DATABASE_URL, DOCS_DATABASE_POOL_SIZE, DOCS_EMBEDDINGS (hashing|openai; default openai when DOCS_EMBEDDINGS_MODEL is set),
  DOCS_EMBEDDINGS_MODEL, DOCS_EMBEDDINGS_BASE_URL (else OPENAI_BASE_URL), DOCS_EMBEDDINGS_API_KEY (else OPENAI_API_KEY),
  DOCS_EMBEDDINGS_DIMENSIONS, DOCS_HASHING_DIMENSIONS, DOCS_TRANSPORT, DOCS_HOST, DOCS_PORT, MCP_AUTH_TOKEN,
  DOCS_ALLOWED_ORIGINS, DOCS_DENY, DOCS_DEFAULT_DENY, DOCS_MAX_K, DOCS_MAX_BODY_BYTES, DOCS_TOOL_TIMEOUT_MS, LOG_LEVEL`;

const set = (s: string | undefined): s is string => s !== undefined && s.trim() !== "";

/** A collection name is a table name in both stores: kept to a safe identifier. */
export const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,47}$/;

export function loadConfig(argv: readonly string[], env: Env): Config {
  const [first, ...rest] = argv;
  const command = first === "ingest" ? "ingest" : "serve";
  const args = first === "ingest" || first === "serve" ? rest : [...argv];
  const v = parseFlags(args, USAGE, {
    root: { type: "string" },
    transport: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "allowed-origin": { type: "string", multiple: true },
    "data-dir": { type: "string" },
    collection: { type: "string" },
    store: { type: "string" },
    "max-k": { type: "string" },
    deny: { type: "string", multiple: true },
    "no-default-deny": { type: "boolean" },
    "chunk-size": { type: "string" },
    "chunk-overlap": { type: "string" },
    "max-file-bytes": { type: "string" },
    progress: { type: "string" },
    seed: { type: "string" },
    rebuild: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  const num = intSetting(env);

  const collection = pick(
    z.string().regex(COLLECTION_NAME),
    v.collection ?? env.DOCS_COLLECTION ?? "docs",
    v.collection !== undefined ? "--collection" : "DOCS_COLLECTION",
    "a name of a-z, 0-9 and _ starting with a letter (at most 48)",
  );
  const storeKind = pick(
    z.enum(["lance", "postgres"]),
    v.store ?? env.DOCS_STORE ?? (set(env.DOCS_DATABASE_URL) ? "postgres" : "lance"),
    v.store !== undefined ? "--store" : "DOCS_STORE",
    "lance or postgres",
  );
  let store: StoreConfig;
  if (storeKind === "postgres") {
    if (!set(env.DOCS_DATABASE_URL))
      throw new ConfigError(
        "DOCS_DATABASE_URL is required with DOCS_STORE=postgres (postgres://user:pass@host:5432/db)",
      );
    const url = pick(
      z.string().regex(/^postgres(ql)?:\/\/\S+$/),
      env.DOCS_DATABASE_URL,
      "DOCS_DATABASE_URL",
      "a postgres:// URL",
    );
    store = { kind: "postgres", url, collection, poolSize: num("", "DOCS_DATABASE_POOL_SIZE", "4", 1, 100, undefined) };
  } else {
    const dataDir = pick(
      z
        .string()
        .min(1)
        .max(4096)
        .refine((s) => !s.includes("\0")),
      v["data-dir"] ?? env.DOCS_DATA_DIR ?? ".mcp-docs",
      v["data-dir"] !== undefined ? "--data-dir" : "DOCS_DATA_DIR",
      "a directory path",
    );
    store = { kind: "lance", dataDir, collection };
  }

  const model = set(env.DOCS_EMBEDDINGS_MODEL) ? env.DOCS_EMBEDDINGS_MODEL.trim() : undefined;
  const embKind = pick(
    z.enum(["hashing", "openai"]),
    env.DOCS_EMBEDDINGS ?? (model !== undefined ? "openai" : "hashing"),
    "DOCS_EMBEDDINGS",
    "hashing or openai",
  );
  let embeddings: EmbeddingsConfig;
  if (embKind === "openai") {
    if (model === undefined)
      throw new ConfigError(
        "DOCS_EMBEDDINGS_MODEL is required with DOCS_EMBEDDINGS=openai (e.g. text-embedding-3-small)",
      );
    const baseRaw = set(env.DOCS_EMBEDDINGS_BASE_URL)
      ? env.DOCS_EMBEDDINGS_BASE_URL
      : set(env.OPENAI_BASE_URL)
        ? env.OPENAI_BASE_URL
        : undefined;
    const baseURL =
      baseRaw === undefined
        ? undefined
        : pick(
            z.url({ protocol: /^https?$/ }),
            baseRaw,
            set(env.DOCS_EMBEDDINGS_BASE_URL) ? "DOCS_EMBEDDINGS_BASE_URL" : "OPENAI_BASE_URL",
            "an http(s) URL",
          );
    const apiKey = set(env.DOCS_EMBEDDINGS_API_KEY)
      ? env.DOCS_EMBEDDINGS_API_KEY
      : set(env.OPENAI_API_KEY)
        ? env.OPENAI_API_KEY
        : undefined;
    if (apiKey === undefined && baseURL === undefined)
      throw new ConfigError(
        "OPENAI_API_KEY (or DOCS_EMBEDDINGS_API_KEY, or DOCS_EMBEDDINGS_BASE_URL for a keyless local server) is required with DOCS_EMBEDDINGS=openai",
      );
    const dimensions = set(env.DOCS_EMBEDDINGS_DIMENSIONS)
      ? num("", "DOCS_EMBEDDINGS_DIMENSIONS", "0", 8, 8192, undefined)
      : undefined;
    // a keyless local server (Ollama, llama.cpp) still needs a non-empty key for the client
    embeddings = { kind: "openai", model, baseURL, apiKey: apiKey ?? "not-needed", dimensions, batchSize: 64 };
  } else {
    embeddings = { kind: "hashing", dimensions: num("", "DOCS_HASHING_DIMENSIONS", "512", 64, 8192, undefined) };
  }
  const logLevel = pick(
    z.enum(["debug", "info", "warn", "error"]),
    (env.LOG_LEVEL ?? "info").toLowerCase(),
    "LOG_LEVEL",
    "debug, info, warn or error",
  );

  const ingestFrom = (rootRaw: string, rootName: string, progress: IngestConfig["progress"]): IngestConfig => {
    const root = pick(
      z
        .string()
        .min(1)
        .max(4096)
        .refine((s) => !s.includes("\0")),
      rootRaw,
      rootName,
      "a directory path",
    );
    const deny = loadDeny(v, env, "DOCS", { exceptions: false });
    const chunkSize = num(
      "--chunk-size",
      "DOCS_CHUNK_SIZE",
      String(INGEST_DEFAULTS.chunkSize),
      100,
      20_000,
      v["chunk-size"],
    );
    const chunkOverlap = num(
      "--chunk-overlap",
      "DOCS_CHUNK_OVERLAP",
      String(INGEST_DEFAULTS.chunkOverlap),
      0,
      5_000,
      v["chunk-overlap"],
    );
    if (chunkOverlap >= chunkSize)
      throw new ConfigError(`--chunk-overlap (${chunkOverlap}) must be smaller than --chunk-size (${chunkSize})`);
    return {
      root,
      deny,
      maxFileBytes: num(
        "--max-file-bytes",
        "DOCS_MAX_FILE_BYTES",
        String(INGEST_DEFAULTS.maxFileBytes),
        1024,
        1024 * 1024 * 1024,
        v["max-file-bytes"],
      ),
      chunkSize,
      chunkOverlap,
      progress,
    };
  };

  if (command === "ingest") {
    const rootRaw = v.root ?? env.DOCS_ROOT;
    if (!set(rootRaw)) throw new ConfigError("--root (or DOCS_ROOT) is required: the directory to ingest");
    const progress = pick(
      z.enum(["auto", "lines", "quiet"]),
      v.progress ?? "auto",
      "--progress",
      "auto, lines or quiet",
    );
    return {
      command,
      store,
      embeddings,
      logLevel,
      ingest: ingestFrom(rootRaw, v.root !== undefined ? "--root" : "DOCS_ROOT", progress),
      rebuild: v.rebuild === true,
    };
  }

  const { transport, ...address } = loadServing(v, env, {
    transport: "DOCS_TRANSPORT",
    port: "DOCS_PORT",
    host: "DOCS_HOST",
    allowedOrigins: "DOCS_ALLOWED_ORIGINS",
    defaultPort: "8081",
  });
  const maxK = num("--max-k", "DOCS_MAX_K", "50", 1, 1000, v["max-k"]);
  const seedRaw = v.seed ?? env.DOCS_SEED;
  return {
    command,
    store,
    embeddings,
    logLevel,
    seed: set(seedRaw) ? ingestFrom(seedRaw, v.seed !== undefined ? "--seed" : "DOCS_SEED", "quiet") : undefined,
    transport,
    http: {
      ...address,
      maxBodyBytes: num("", "DOCS_MAX_BODY_BYTES", String(256 * 1024), 1024, 64 * 1024 * 1024, undefined),
      maxSessions: 256,
      maxSessionsPerClient: 16,
      sessionIdleMs: 5 * 60_000,
    },
    limits: {
      defaultK: Math.min(5, maxK),
      maxK,
      maxQueryChars: 4000,
      maxNeighbours: 5,
      toolTimeoutMs: num("", "DOCS_TOOL_TIMEOUT_MS", "30000", 100, 600_000, undefined),
    },
  };
}
