import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The built mcp-fileserver the tests run for real (over stdio and HTTP). */
export const FILESERVER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../apps/mcp-fileserver/dist/main.js",
);

/** A temp directory holding `files` (name → text) for the file server to serve; fails early when it is not built. */
export function filesRoot(prefix: string, files: Record<string, string>): string {
  if (!existsSync(FILESERVER))
    throw new Error(`build the file server first: pnpm --dir apps/mcp-fileserver build (${FILESERVER})`);
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  return root;
}
