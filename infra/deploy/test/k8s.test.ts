/**
 * infra/k8s, rendered by kubectl's kustomize (no cluster needed) and checked for what an operator relies on:
 * probes, resources, non-root pods, drain times, the KEDA list name the code really uses, the file server's
 * NetworkPolicy, Secrets by reference only, and every Secret/ConfigMap key documented in infra/k8s/README.md.
 */
import { queuePrefix, TURN_QUEUE_NAME } from "@acb/turns";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CORE_SCHEMA, loadAll } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { documentedEnv, REPO, type AppName } from "./workspace.js";

type Obj = Record<string, unknown>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Obj & { template?: { spec: PodSpec } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: Array<{ name: string; configMap?: { name: string } }>;
}

/** kubectl on PATH; else Debian's kubernetes-client, installed the way scripts/test.sh installs redis-server. */
function kubectl(): string {
  if (spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0) return "kubectl";
  if (process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0) {
    process.stderr.write("[k8s test] kubectl is missing: installing Debian's kubernetes-client with apt-get\n");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { env, stdio: "ignore", timeout: 300_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "kubernetes-client"], {
      env,
      stdio: "ignore",
      timeout: 300_000,
    });
    return "kubectl";
  }
  throw new Error("kubectl is required to render infra/k8s (install kubectl, or Debian's kubernetes-client)");
}

function render(dir: string): K8sObject[] {
  const out = execFileSync(kubectl(), ["kustomize", join(REPO, dir)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return (loadAll(out, { schema: CORE_SCHEMA }) as Array<K8sObject | null>).filter((o): o is K8sObject => o !== null);
}

const APP_OF: Record<string, AppName> = {
  "chat-gateway": "chat-gateway",
  "agent-runner": "agent-runner",
  "mcp-fileserver": "mcp-fileserver",
};

describe("infra/k8s", () => {
  let objects: K8sObject[];
  const find = (kind: string, name: string): K8sObject => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (o === undefined) throw new Error(`no ${kind} ${name} rendered`);
    return o;
  };
  const workloads = () => objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
  const container = (name: string): Container =>
    find("Deployment", name).spec.template?.spec.containers[0] as Container;
  const envOf = (c: Container, name: string): EnvVar | undefined => c.env?.find((e) => e.name === name);

  beforeAll(() => {
    objects = render("infra/k8s/overlays/dev");
  }, 320_000);

  it("the base renders on its own too", () => {
    const base = render("infra/k8s/base");
    expect(
      base
        .filter((o) => o.kind === "Deployment")
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(["agent-runner", "chat-gateway", "mcp-fileserver"]);
  });

  it("renders the three apps and Redis, each with a Service and a PodDisruptionBudget, in the overlay's namespace", () => {
    const names = (kind: string) =>
      objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .sort();
    expect(names("Deployment")).toEqual(["agent-runner", "chat-gateway", "mcp-fileserver"]);
    expect(names("StatefulSet")).toEqual(["redis"]);
    expect(names("Service")).toEqual(["agent-runner", "chat-gateway", "mcp-fileserver", "redis"]);
    expect(names("PodDisruptionBudget")).toEqual(["agent-runner", "chat-gateway", "mcp-fileserver", "redis"]);
    for (const o of objects) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe("acb-dev");
    for (const name of Object.keys(APP_OF)) expect(container(name).image).toBe(`acb/${name}:dev`);
  });

  it("gives every container liveness and readiness probes, requests and a memory limit, and runs every pod as non-root", () => {
    for (const w of workloads()) {
      const pod = w.spec.template?.spec as PodSpec;
      expect(pod.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      expect(pod.securityContext?.runAsUser, w.metadata.name).toBeGreaterThan(0);
      for (const c of pod.containers) {
        const where = `${w.metadata.name}/${c.name}`;
        expect(c.livenessProbe, where).toBeDefined();
        expect(c.readinessProbe, where).toBeDefined();
        expect(Object.keys(c.resources?.requests ?? {}).sort(), where).toEqual(["cpu", "memory"]);
        expect(c.resources?.limits?.memory, where).toBeDefined();
        expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(c.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(c.securityContext?.capabilities?.drop, where).toEqual(["ALL"]);
      }
    }
  });

  it("probes the gateway and runner on /healthz (alive) and /readiness (ready), on the port their env sets", () => {
    for (const [name, portVar] of [
      ["chat-gateway", "PORT"],
      ["agent-runner", "METRICS_PORT"],
    ] as const) {
      const c = container(name);
      expect(c.livenessProbe?.httpGet?.path).toBe("/healthz");
      expect(c.readinessProbe?.httpGet?.path).toBe("/readiness");
      const port = c.ports?.find((p) => p.name === c.readinessProbe?.httpGet?.port)?.containerPort;
      expect(String(port)).toBe(envOf(c, portVar)?.value);
      expect(envOf(c, "HOST")?.value).toBe("0.0.0.0");
    }
    expect(container("mcp-fileserver").readinessProbe?.httpGet?.path).toBe("/healthz");
  });

  it("lets runners drain: terminationGracePeriodSeconds above RUNNER_SHUTDOWN_GRACE_MS", () => {
    const pod = find("Deployment", "agent-runner").spec.template?.spec as PodSpec;
    const graceMs = Number(envOf(pod.containers[0] as Container, "RUNNER_SHUTDOWN_GRACE_MS")?.value);
    expect(graceMs).toBe(30_000);
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(graceMs);
  });

  it("scales gateways with an HPA and runners with KEDA on the BullMQ waiting list the code uses", () => {
    const hpa = find("HorizontalPodAutoscaler", "chat-gateway").spec as {
      scaleTargetRef: { kind: string; name: string };
    };
    expect(hpa.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "chat-gateway" });
    const so = find("ScaledObject", "agent-runner").spec as {
      scaleTargetRef: { name: string };
      triggers: Array<{ type: string; metadata: Record<string, string>; authenticationRef: { name: string } }>;
    };
    expect(so.scaleTargetRef.name).toBe("agent-runner");
    const config = find("ConfigMap", "acb-config") as unknown as { data: Record<string, string> };
    const prefix = config.data.REDIS_KEY_PREFIX as string;
    const [trigger] = so.triggers;
    expect(trigger?.type).toBe("redis");
    expect(trigger?.metadata.listName).toBe(`${queuePrefix(prefix)}:${TURN_QUEUE_NAME}:wait`);
    expect(trigger?.metadata.listName).toBe("{acb:bull}:turns:wait");
    expect(trigger?.metadata.listLength).toBe(envOf(container("agent-runner"), "RUNNER_CONCURRENCY")?.value);
    // the operator runs in its own namespace: the address must name this one
    expect(trigger?.metadata.address).toBe("redis.acb-dev.svc.cluster.local:6379");
    expect(find("TriggerAuthentication", trigger?.authenticationRef.name as string)).toBeDefined();
  });

  it("lets only runner pods reach the file server", () => {
    const np = find("NetworkPolicy", "mcp-fileserver").spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress: Array<{ from: Array<Obj> }>;
    };
    expect(np.podSelector.matchLabels["app.kubernetes.io/name"]).toBe("mcp-fileserver");
    expect(np.policyTypes).toContain("Ingress");
    const peers = np.ingress.flatMap((r) => r.from) as Array<{
      podSelector?: { matchLabels: Record<string, string> };
      namespaceSelector?: Obj;
      ipBlock?: Obj;
    }>;
    // no peer from other namespaces or IP ranges; pod selectors match exactly the runner pods
    expect(
      peers.every((p) => p.podSelector !== undefined && p.namespaceSelector === undefined && p.ipBlock === undefined),
    ).toBe(true);
    const admitted = workloads()
      .filter((w) => {
        const labels = (w.spec.template as unknown as { metadata: { labels: Record<string, string> } }).metadata.labels;
        return peers.some((p) => Object.entries(p.podSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
      })
      .map((w) => w.metadata.name);
    expect(admitted).toEqual(["agent-runner"]);
  });

  it("hands each app only variables it documents and reads", () => {
    for (const [name, app] of Object.entries(APP_OF)) {
      const known = documentedEnv(app);
      const unknown = (container(name).env ?? []).map((e) => e.name).filter((n) => !known.has(n));
      expect(unknown, name).toEqual([]);
    }
  });

  it("creates no Secret, and documents every Secret and ConfigMap key it references in infra/k8s/README.md", () => {
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    const readme = readFileSync(join(REPO, "infra", "k8s", "README.md"), "utf8");
    const refs = new Set<string>();
    for (const w of workloads()) {
      const pod = w.spec.template?.spec as PodSpec;
      for (const c of pod.containers)
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
          if (ref) refs.add(`${ref.name} ${ref.key}`);
        }
      for (const v of pod.volumes ?? [])
        if (v.configMap) refs.add(`${v.configMap.name.replace(/-[a-z0-9]{10}$/, "")} README.md`);
    }
    for (const o of objects.filter((x) => x.kind === "TriggerAuthentication"))
      for (const t of (o.spec as { secretTargetRef: Array<{ name: string; key: string }> }).secretTargetRef)
        refs.add(`${t.name} ${t.key}`);
    expect(refs.size).toBeGreaterThanOrEqual(9);
    for (const ref of refs) {
      const [name, key] = ref.split(" ");
      expect(readme, ref).toMatch(
        new RegExp(`\\|\\s*\`${name}\`\\s*\\|\\s*\`${(key as string).replace(".", "\\.")}\`\\s*\\|`),
      );
    }
  });

  it("keeps Redis durable and never evicting", () => {
    const args = (
      (find("StatefulSet", "redis").spec.template?.spec as PodSpec).containers[0] as unknown as { args: string[] }
    ).args.join(" ");
    expect(args).toContain("--appendonly yes");
    expect(args).toContain("--maxmemory-policy noeviction");
  });
});
