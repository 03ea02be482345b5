/**
 * infra/compose/compose.yaml, checked without a container engine (no `docker compose` here): the services
 * and their order of start, Redis durability, the file server's token and network, drain times, and that
 * every variable handed to an app is one that app documents and reads.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CORE_SCHEMA, load, mergeTag } from "js-yaml";
import { describe, expect, it } from "vitest";
import { documentedEnv, REPO, type AppName } from "./workspace.js";

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  networks?: string[];
  ports?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  read_only?: boolean;
}

const text = readFileSync(join(REPO, "infra", "compose", "compose.yaml"), "utf8");
// Compose resolves YAML merge keys (`<<: *anchor`); so must we.
const compose = load(text, { schema: CORE_SCHEMA.withTags(mergeTag) }) as { services: Record<string, Service> };
const services = compose.services;
const appOf = (s: Service): AppName | undefined =>
  /apps\/([a-z-]+)\/Dockerfile/.exec(s.build?.dockerfile ?? "")?.[1] as AppName | undefined;
const seconds = (d: string | undefined): number => Number(/^(\d+)s$/.exec(d ?? "")?.[1] ?? NaN);

describe("infra/compose/compose.yaml", () => {
  it("runs Redis, the file server, two gateways and two runners, each app built from its own Dockerfile", () => {
    const apps = Object.entries(services).map(([name, s]) => [name, appOf(s), s.deploy?.replicas ?? 1]);
    expect(apps).toEqual(
      expect.arrayContaining([
        ["redis", undefined, 1],
        ["mcp-fileserver", "mcp-fileserver", 1],
        ["agent-runner", "agent-runner", 2],
        ["chat-gateway-1", "chat-gateway", 1],
        ["chat-gateway-2", "chat-gateway", 1],
      ]),
    );
    expect(Object.keys(services)).toHaveLength(5);
    for (const s of Object.values(services)) if (s.build) expect(s.build.context).toBe("../..");
  });

  it("keeps Redis durable and never evicting (AOF, noeviction)", () => {
    const cmd = services.redis?.command?.join(" ") ?? "";
    expect(cmd).toContain("--appendonly yes");
    expect(cmd).toContain("--maxmemory-policy noeviction");
  });

  it("gives every service a healthcheck, and starts each only once what it needs is healthy", () => {
    for (const [name, s] of Object.entries(services)) expect(s.healthcheck?.test?.[0], name).toBe("CMD");
    const needs = (name: string) =>
      Object.entries(services[name]?.depends_on ?? {}).map(([dep, c]) => [dep, c.condition]);
    expect(needs("agent-runner")).toEqual([
      ["redis", "service_healthy"],
      ["mcp-fileserver", "service_healthy"],
    ]);
    for (const gw of ["chat-gateway-1", "chat-gateway-2"])
      expect(needs(gw)).toEqual([
        ["redis", "service_healthy"],
        ["agent-runner", "service_healthy"],
      ]);
    // the runner's healthcheck is its readiness (Redis + worker), on the port its environment sets
    expect(services["agent-runner"]?.healthcheck?.test.join(" ")).toContain(
      `127.0.0.1:${services["agent-runner"]?.environment?.METRICS_PORT}/readiness`,
    );
  });

  it("hands each app only variables it documents and reads", () => {
    for (const [name, s] of Object.entries(services)) {
      const app = appOf(s);
      if (app === undefined) continue;
      const known = documentedEnv(app);
      const unknown = Object.keys(s.environment ?? {}).filter((k) => !known.has(k));
      expect(unknown, `${name} sets variables ${app} does not read`).toEqual([]);
    }
  });

  it("serves files over HTTP with a required token, on a network only the runners share", () => {
    const files = services["mcp-fileserver"] as Service;
    expect(files.environment?.FILESERVER_TRANSPORT).toBe("http");
    expect(files.environment?.MCP_AUTH_TOKEN).toMatch(/^\$\{MCP_AUTH_TOKEN:\?/);
    expect(files.ports).toBeUndefined();
    const sharing = Object.entries(services)
      .filter(([name, s]) => name !== "mcp-fileserver" && (s.networks ?? []).some((n) => files.networks?.includes(n)))
      .map(([name]) => name);
    expect(sharing).toEqual(["agent-runner"]);
    const mcp = JSON.parse(services["agent-runner"]?.environment?.MCP_SERVERS ?? "{}") as Record<
      string,
      { url: string; headers: Record<string, string> }
    >;
    expect(mcp.files?.url).toBe("http://mcp-fileserver:8080/mcp");
    expect(mcp.files?.headers.Authorization).toMatch(/^Bearer \$\{MCP_AUTH_TOKEN:\?/);
  });

  it("lets a runner drain longer than RUNNER_SHUTDOWN_GRACE_MS before it is killed", () => {
    const runner = services["agent-runner"] as Service;
    expect(seconds(runner.stop_grace_period) * 1000).toBeGreaterThan(
      Number(runner.environment?.RUNNER_SHUTDOWN_GRACE_MS),
    );
  });

  it("binds the apps to every interface inside their containers, with a read-only root filesystem", () => {
    for (const [name, s] of Object.entries(services)) {
      const app = appOf(s);
      if (app === undefined) continue;
      expect(app === "mcp-fileserver" ? s.environment?.FILESERVER_HOST : s.environment?.HOST, name).toBe("0.0.0.0");
      expect(s.read_only, name).toBe(true);
    }
  });

  it("documents every ${VARIABLE} it interpolates in infra/compose/.env.example", () => {
    const example = readFileSync(join(REPO, "infra", "compose", ".env.example"), "utf8");
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string));
    for (const name of used) expect(example, name).toMatch(new RegExp(`^#?\\s*${name}=`, "m"));
  });
});
