import { spawnSync } from "node:child_process";

/**
 * The table behind every app's "config errors never print a secret" test (finding: config errors echoed
 * passwords inside REDIS_URL and OPENAI_BASE_URL). Each case is an env a config loader must refuse, the variable
 * its error must name, and the secrets the error must not contain.
 */
export interface ConfigSecretCase {
  readonly env: Record<string, string>;
  readonly name: string;
  readonly secrets: readonly string[];
}

const ok = { REDIS_URL: "redis://127.0.0.1:6379" };

export const CONFIG_SECRET_CASES: readonly ConfigSecretCase[] = [
  {
    env: { REDIS_URL: "http://admin:r3d1s-pw@cache:6379/0?password=qs-r3d1s" },
    name: "REDIS_URL",
    secrets: ["r3d1s-pw", "qs-r3d1s", "admin"],
  },
  { env: { REDIS_URL: "redis://:r3d1s-pw@cache:99999" }, name: "REDIS_URL", secrets: ["r3d1s-pw"] },
  {
    env: { ...ok, OPENAI_BASE_URL: "ftp://u:b4se-pw@llm.example/v1?key=qs-b4se" },
    name: "OPENAI_BASE_URL",
    secrets: ["b4se-pw", "qs-b4se"],
  },
  {
    env: { ...ok, OPENAI_BASE_URL: "https://u:b4se-pw@llm.example:99999/v1" },
    name: "OPENAI_BASE_URL",
    secrets: ["b4se-pw"],
  },
  {
    env: { ...ok, MCP_SERVER_URL: "ftp://u:mcp-pw@files:8080/mcp?token=qs-mcp" },
    name: "MCP_SERVER_URL",
    secrets: ["mcp-pw", "qs-mcp"],
  },
];

/** What is wrong with a loader's answer to a case: nothing ([]) when it refuses, names the variable and prints no secret. */
export function configSecretProblems(
  result: { ok: true } | { ok: false; message: string },
  c: ConfigSecretCase,
): string[] {
  if (result.ok) return ["accepted"];
  return [
    ...(result.message.includes(c.name) ? [] : [`does not name ${c.name}: ${result.message}`]),
    ...c.secrets.filter((s) => result.message.includes(s)).map((s) => `prints ${s}`),
  ];
}

/** What is wrong with a loader's answer to a bad setting: nothing ([]) when it refuses in one line naming `name`. */
export function configRefusalProblems(result: { ok: true } | { ok: false; message: string }, name: string): string[] {
  if (result.ok) return ["accepted"];
  const lines = result.message.split("\n").length;
  return [
    ...(lines === 1 ? [] : [`${lines} lines`]),
    ...(result.message.includes(name) ? [] : [`does not name ${name}: ${result.message}`]),
  ];
}

/**
 * What is wrong with how a built app (`node main`, PATH and `env` only) refuses a bad setting: nothing ([]) when it
 * exits 1 with one stderr line naming `name` and no stack trace.
 */
export function refusedStartProblems(main: string, env: Record<string, string>, name: string): string[] {
  const r = runWithOnly(main, env);
  return [
    ...(r.status === 1 ? [] : [`exit status ${r.status} (signal ${r.signal})`]),
    ...(r.lines.length === 1 ? [] : [`${r.lines.length} stderr lines`]),
    ...(r.lines[0]?.includes(name) ? [] : [`does not name ${name}: ${r.lines[0]}`]),
    ...(r.stderr.includes("    at ") ? ["prints a stack trace"] : []),
  ];
}

/** Runs a built entry point with nothing but PATH and `env`, as an operator would start it; its stderr by line. */
export function runWithOnly(
  main: string,
  env: Record<string, string>,
): { status: number | null; signal: NodeJS.Signals | null; stderr: string; lines: string[] } {
  const r = spawnSync(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 15_000,
  });
  return { status: r.status, signal: r.signal, stderr: r.stderr, lines: r.stderr.trim().split("\n") };
}
