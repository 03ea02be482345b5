#!/usr/bin/env node
// Repository rules that a type checker does not enforce (run per package by `turbo run lint`):
// - packages never read process.env (config is read once, in each app's config module);
// - no focused or skipped tests (a green run must mean every test ran);
// - no `: any` / `as any` in source (strict TypeScript, no any escaping a module).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(process.argv[2] ?? ".");
// testkit is test-only code (it spawns processes with an env); every other package gets its config passed in.
const isPackage = root.includes(`${"/"}packages${"/"}`) && !root.endsWith(`${"/"}testkit`);
const problems = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) check(full);
  }
}

function check(file) {
  const rel = relative(root, file);
  const isTest = /\.test\.|\/test\//.test(rel);
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    const at = `${rel}:${i + 1}`;
    if (/\b(it|test|describe)\.(only|skip|todo)\(|\bx(it|describe)\(/.test(line)) problems.push(`${at} focused or skipped test`);
    if (isPackage && !isTest && /process\.env/.test(line)) problems.push(`${at} packages must not read process.env`);
    if (!isTest && /(:\s*any\b|\bas any\b|<any>)/.test(line) && !/lint-allow-any/.test(line)) problems.push(`${at} 'any' in source`);
  });
}

for (const sub of ["src", "test"]) {
  try {
    walk(join(root, sub));
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
