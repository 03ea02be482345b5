import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Tests spawn the BUILT server: bring dist/ up to date first (`tsc -b` is a no-op when it already is). */
export default function setup(): void {
  const app = join(dirname(fileURLToPath(import.meta.url)), "..");
  execFileSync(
    process.execPath,
    [join(app, "node_modules/typescript-native/bin/tsc"), "-b", join(app, "tsconfig.json")],
    {
      cwd: app,
      stdio: "inherit",
    },
  );
}
