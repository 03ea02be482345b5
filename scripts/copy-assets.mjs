#!/usr/bin/env node
// tsc emits only JavaScript: this copies the non-TypeScript files a package loads at run time (Lua scripts)
// from src/ to dist/, keeping their paths. Every build path runs it: the packages' `build` scripts (turbo,
// Dockerfiles), the root `pnpm build` and scripts/test.sh (one `tsc -b` for the whole workspace).
import { cpSync, existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ASSET = /\.lua$/;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function copyAssets(src, dist) {
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    if (entry.isDirectory()) copyAssets(from, join(dist, entry.name));
    else if (ASSET.test(entry.name)) cpSync(from, join(dist, entry.name));
  }
}

for (const group of ["packages", "apps"]) {
  for (const pkg of readdirSync(join(root, group))) {
    const src = join(root, group, pkg, "src");
    if (existsSync(src)) copyAssets(src, join(root, group, pkg, "dist"));
  }
}
