/** Top self-time functions of each .cpuprofile in a directory (V8 CPU profile JSON), as plain text. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export function summarizeProfiles(dir: string, since: number, roles: Map<number, string>, top = 15): string {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && statSync(join(dir, f)).mtimeMs >= since);
  } catch {
    return "";
  }
  const out: string[] = [];
  for (const file of files.sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const total = profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
    const idle = profile.nodes
      .filter((x) => x.callFrame.functionName === "(idle)")
      .reduce((n, x) => n + (x.hitCount ?? 0), 0);
    const busy = Math.max(1, total - idle);
    const self = new Map<string, number>();
    const byPackage = new Map<string, number>();
    for (const n of profile.nodes) {
      if (n.callFrame.functionName !== "(idle)")
        byPackage.set(
          packageOf(n.callFrame.url, n.callFrame.functionName),
          (byPackage.get(packageOf(n.callFrame.url, n.callFrame.functionName)) ?? 0) + (n.hitCount ?? 0),
        );
      const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules\/\.pnpm\/|packages\/|apps\/)/, "$1");
      const name =
        `${n.callFrame.functionName || "(anonymous)"} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ""}`.trim();
      self.set(name, (self.get(name) ?? 0) + (n.hitCount ?? 0));
    }
    // Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile.
    const role = roles.get(Number(file.split(".")[3] ?? "0")) ?? "?";
    out.push(
      `== ${file} (${role}), ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${total} samples, ${((idle / Math.max(1, total)) * 100).toFixed(1)} % idle; % of busy samples:`,
    );
    for (const [name, hits] of [...self.entries()]
      .filter(([n]) => !n.startsWith("(idle)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)) {
      out.push(`${((hits / busy) * 100).toFixed(1).padStart(5)} %  ${name}`);
    }
    out.push(
      `by package: ${[...byPackage.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([k, v]) => `${k} ${((v / busy) * 100).toFixed(1)} %`)
        .join(", ")}`,
    );
    out.push("");
  }
  return out.join("\n");
}

/** Where a frame's code lives: an npm package, a workspace package, node internals, or the VM itself. */
function packageOf(url: string, fn: string): string {
  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  const ws = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ws?.[2]) return `@acb/${ws[2]}`;
  if (url.startsWith("node:")) return "node internals";
  if (url === "") return fn === "(garbage collector)" ? "GC" : "native/VM";
  return "other";
}
