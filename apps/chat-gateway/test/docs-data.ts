import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Embedded mode's default docs server seeds its LanceDB directory (DOCS_DATA_DIR, default `.mcp-docs` in the cwd) on
 * first start: each test gateway gets a fresh one of its own, so parallel test files never seed the same directory
 * and nothing is left in the working tree. A test that sets DOCS_DATA_DIR keeps it.
 */
export function withOwnDocsDataDir(env: Record<string, string | undefined>): {
  env: Record<string, string | undefined>;
  cleanup: () => void;
} {
  if (env.DOCS_DATA_DIR !== undefined) return { env, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), "acb-gw-docs-"));
  return { env: { ...env, DOCS_DATA_DIR: dir }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
