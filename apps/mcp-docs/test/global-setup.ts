import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Tests spawn the BUILT server: compile it first so dist/ is never stale. */
export default function setup(): void {
  const app = join(dirname(fileURLToPath(import.meta.url)), "..");
  execFileSync(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", join(app, "tsconfig.build.json")], { cwd: app, stdio: "inherit" });
}
