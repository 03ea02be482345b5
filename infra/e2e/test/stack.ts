import { freePort, startService, type ServiceProcess } from "@acb/testkit";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const app = (name: string): string => fileURLToPath(new URL(`../../../apps/${name}/dist/main.js`, import.meta.url));
export const GATEWAY = app("chat-gateway");
export const RUNNER = app("agent-runner");
export const FILESERVER = app("mcp-fileserver");
export const DOCS_SERVER = app("mcp-docs");
export const DOCS_SAMPLE = fileURLToPath(new URL("../../../apps/mcp-docs/sample", import.meta.url));

export type Env = Record<string, string | undefined>;

/** What a started gateway or runner must not inherit from the shell that runs the tests. */
export const CLEAN_ENV: Env = {
  OPENAI_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  MODEL_PROVIDER: undefined,
  REDIS_URL: undefined,
  MCP_SERVERS: undefined,
  MCP_SERVER_URL: undefined,
  MCP_TRANSPORT: undefined,
  LOG_LEVEL: "warn",
};

export interface Service {
  readonly url: string;
  readonly port: number;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

/** One of our apps serving HTTP on a loopback port (a free one unless given), ready once its /healthz answers. */
async function startHttpApp(
  name: string,
  main: string,
  args: (port: number) => string[],
  env: (port: number) => Env,
  options: { port?: number; path?: string } = {},
): Promise<Service> {
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const proc = await startService(process.execPath, [main, ...args(port)], {
    name,
    env: env(port),
    ready: async () => (await fetch(`${base}/healthz`)).ok,
  });
  return { url: `${base}${options.path ?? ""}`, port, process: proc, stop: async () => void (await proc.stop()) };
}

export function startGateway(env: Env): Promise<Service> {
  return startHttpApp(
    "chat-gateway",
    GATEWAY,
    () => [],
    (port) => ({ ...CLEAN_ENV, HOST: "127.0.0.1", PORT: String(port), ...env }),
  );
}

/** A runner is ready once it logged "ready" (its worker is connected and it announced itself). */
export async function startRunner(env: Env): Promise<ServiceProcess> {
  return await startService(process.execPath, [RUNNER], {
    name: "agent-runner",
    // No probe listener by default: several runners share this host (a taken METRICS_PORT fails the start).
    env: { ...CLEAN_ENV, LOG_LEVEL: "info", RUNNER_HEARTBEAT_MS: "500", METRICS_PORT: "0", ...env },
    ready: (output) => output().includes('"msg":"ready"'),
    readyTimeoutMs: 60_000,
  });
}

const mcpServerEnv = (): Env => ({ LOG_LEVEL: "warn", MCP_AUTH_TOKEN: undefined });
const httpFlags = (port: number): string[] => ["--transport", "http", "--port", String(port), "--host", "127.0.0.1"];

/** The file server over streamable HTTP (`url` is its MCP endpoint), on `port` when given (a restart). */
export function startFileServerHttp(root: string, port?: number): Promise<Service> {
  return startHttpApp("mcp-fileserver", FILESERVER, (p) => ["--root", root, ...httpFlags(p)], mcpServerEnv, {
    port,
    path: "/mcp",
  });
}

/** The docs server over streamable HTTP, its collection in `dataDir`, seeded with the shipped sample when empty. */
export function startDocsServerHttp(dataDir: string): Promise<Service> {
  return startHttpApp(
    "mcp-docs",
    DOCS_SERVER,
    (p) => [...httpFlags(p), "--data-dir", dataDir, "--seed", DOCS_SAMPLE],
    mcpServerEnv,
    { path: "/mcp" },
  );
}

/** A small directory for the file server to serve. */
export function makeFilesRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "acb-files-"));
  writeFileSync(join(root, "notes.txt"), "the lighthouse keeper's notes\n");
  writeFileSync(join(root, "README.md"), "# demo\n");
  mkdirSync(join(root, "docs"));
  writeFileSync(join(root, "docs", "guide.md"), "guide\n");
  return root;
}

export interface ReplicaSet {
  /** Filled by start(): the same arrays, so a suite may index them from its first line. */
  readonly gateways: Service[];
  readonly runners: ServiceProcess[];
  /** The runners (one env each) first, then `gateways` gateways on one env, each group in parallel. */
  start(runnerEnvs: readonly Env[], gatewayEnv: Env, gateways?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The replicated stack most suites drive: several runners and gateways sharing one Redis. */
export function replicaSet(): ReplicaSet {
  const gateways: Service[] = [];
  const runners: ServiceProcess[] = [];
  return {
    gateways,
    runners,
    async start(runnerEnvs, gatewayEnv, gatewayCount = 2) {
      runners.push(...(await Promise.all(runnerEnvs.map((env) => startRunner(env)))));
      gateways.push(...(await Promise.all(Array.from({ length: gatewayCount }, () => startGateway(gatewayEnv)))));
    },
    async stop() {
      await Promise.all([...gateways.map((g) => g.stop()), ...runners.map((r) => r.stop())]);
    },
  };
}
