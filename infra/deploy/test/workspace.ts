/**
 * What the deploy tests share: the repository's paths, how to run pnpm, and a reading of an app's Dockerfile
 * (its deploy command, what the runtime stage copies, its ENV, CMD and HEALTHCHECK), so the tests exercise
 * exactly what an image would hold.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const APPS = ["chat-gateway", "agent-runner", "mcp-fileserver"] as const;
export type AppName = (typeof APPS)[number];

/** pnpm itself: the one running this test (pnpm test / turbo), else the pinned version through npx. */
export function pnpmCommand(): { command: string; prefix: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath) && /\.(c?js|mjs)$/.test(execPath))
    return { command: process.execPath, prefix: [execPath] };
  return { command: "npx", prefix: ["-y", "pnpm@10.34.8"] };
}

export function runPnpm(args: string[], cwd = REPO): { status: number | null; output: string } {
  const { command, prefix } = pnpmCommand();
  const r = spawnSync(command, [...prefix, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, CI: "1" },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface Dockerfile {
  readonly text: string;
  readonly stages: string[];
  /** The arguments of the build stage's `pnpm … deploy … /out` line, after `pnpm`. */
  readonly deployArgs: string[];
  /** `COPY --from=build /out/<from> ./<to>` of the runtime stage. */
  readonly copies: Array<{ from: string; to: string }>;
  readonly env: Record<string, string>;
  readonly user: string | undefined;
  readonly entrypoint: string[];
  readonly cmd: string[];
  readonly healthcheck: string[];
  readonly exposed: number[];
}

/** Instructions with their continuation lines joined; comments dropped. */
function instructions(text: string): Array<{ op: string; rest: string }> {
  const joined = text.replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      return { op: (m?.[1] ?? l).toUpperCase(), rest: m?.[2] ?? "" };
    });
}

function execForm(rest: string, what: string): string[] {
  const parsed: unknown = JSON.parse(rest);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string"))
    throw new Error(`${what} is not in exec form: ${rest}`);
  return parsed;
}

export function readDockerfile(app: AppName): Dockerfile {
  const text = readFileSync(join(REPO, "apps", app, "Dockerfile"), "utf8");
  const stages: string[] = [];
  const env: Record<string, string> = {};
  const copies: Array<{ from: string; to: string }> = [];
  let deployArgs: string[] = [];
  let user: string | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: string[] = [];
  const exposed: number[] = [];
  for (const { op, rest } of instructions(text)) {
    if (op === "FROM") stages.push(rest);
    const inRuntime = stages.length > 1;
    if (op === "RUN" && / deploy /.test(rest)) {
      const words = rest.replace(/^--mount=\S+\s+/, "").split(/\s+/);
      const at = words.indexOf("pnpm");
      deployArgs = words.slice(at + 1);
    }
    if (op === "ENV" && inRuntime) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(rest);
      if (m === null) throw new Error(`ENV must be one KEY=value per line: ${rest}`);
      env[m[1] as string] = m[2] as string;
    }
    if (op === "COPY" && inRuntime) {
      const m = /^--from=build\s+\/out\/(\S+)\s+\.\/(\S+)$/.exec(rest);
      if (m === null) throw new Error(`unexpected COPY in the runtime stage: ${rest}`);
      copies.push({ from: m[1] as string, to: m[2] as string });
    }
    if (op === "USER") user = rest;
    if (op === "ENTRYPOINT") entrypoint = execForm(rest, "ENTRYPOINT");
    if (op === "CMD") cmd = execForm(rest, "CMD");
    if (op === "EXPOSE") exposed.push(...rest.split(/\s+/).map(Number));
    if (op === "HEALTHCHECK") healthcheck = execForm(rest.replace(/^(--\S+\s+)*CMD\s+/, ""), "HEALTHCHECK");
  }
  return { text, stages, deployArgs, copies, env, user, entrypoint, cmd, healthcheck, exposed };
}

/**
 * Environment names an app reads: those its `.env.example` documents (set or commented out) that also occur
 * in code (the app's src, or the shared env schemas in packages/schemas).
 */
export function documentedEnv(app: AppName): Set<string> {
  const example = readFileSync(join(REPO, "apps", app, ".env.example"), "utf8");
  const names = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] as string);
  const code = [join(REPO, "apps", app, "src"), join(REPO, "packages", "schemas", "src")]
    .flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
        .map((f) => join(dir, f)),
    )
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  return new Set(names.filter((n) => new RegExp(`\\b${n}\\b`).test(code)));
}
