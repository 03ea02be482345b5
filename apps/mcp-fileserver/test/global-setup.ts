import { fileURLToPath } from "node:url";
import { buildPackage } from "@acb/testkit";

/** Tests spawn the BUILT server: bring dist/ up to date first. */
export default function setup(): void {
  buildPackage(fileURLToPath(new URL("..", import.meta.url)));
}
