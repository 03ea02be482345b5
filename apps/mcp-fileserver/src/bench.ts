/**
 * Benchmark (not a test): read_text and list_dir over stdio on a 10,000-file directory, against plain
 * fs.readFile / fs.readdir measured in the same run. Prints ops/s and p50/p99 latencies.
 *   pnpm --dir apps/mcp-fileserver build && pnpm --dir apps/mcp-fileserver bench
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const FILES = 10_000;
const READS = 2_000;
const LISTS = 40;

interface Figures {
  readonly name: string;
  readonly ops: number;
  readonly p50: number;
  readonly p99: number;
}

async function measure(name: string, n: number, op: (i: number) => Promise<void>): Promise<Figures> {
  for (let i = 0; i < Math.min(50, n); i++) await op(i); // warm-up
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await op(i);
    lat.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { name, ops: (n / total) * 1000, p50: q(0.5), p99: q(0.99) };
}

function row(f: Figures): string {
  return `| ${f.name.padEnd(44)} | ${f.ops.toFixed(0).padStart(8)} | ${f.p50.toFixed(3).padStart(8)} | ${f.p99.toFixed(3).padStart(8)} |`;
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), "mcpfs-bench-"));
  const dir = join(base, "big");
  mkdirSync(dir);
  const body = `${"lorem ipsum dolor sit amet ".repeat(37)}\n`; // ~1 KiB
  for (let i = 0; i < FILES; i++) writeFileSync(join(dir, `file-${String(i).padStart(5, "0")}.txt`), body);

  const main = join(dirname(fileURLToPath(import.meta.url)), "main.js");
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [main, "--root", base],
    env: getDefaultEnvironment(),
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(transport);

  const name = (i: number) => `file-${String((i * 7919) % FILES).padStart(5, "0")}.txt`;
  const results: Figures[] = [];
  results.push(
    await measure("baseline fs.readFile (in process)", READS, async (i) => {
      await readFile(join(dir, name(i)), "utf8");
    }),
  );
  results.push(
    await measure("read_text over stdio (1 KiB file)", READS, async (i) => {
      const r = await client.callTool({ name: "read_text", arguments: { path: `big/${name(i)}` } });
      if (r.isError === true) throw new Error(JSON.stringify(r.content));
    }),
  );
  results.push(
    await measure("baseline fs.readdir withFileTypes (10k)", LISTS, async () => {
      await readdir(dir, { withFileTypes: true });
    }),
  );
  let listed = 0;
  results.push(
    await measure("list_dir over stdio (10k files, all names)", LISTS, async () => {
      const r = await client.callTool({ name: "list_dir", arguments: { path: "big", max_entries: FILES } });
      listed = (r.structuredContent as { files: string[] }).files.length;
    }),
  );
  results.push(
    await measure("list_dir over stdio (10k files, *99?.txt)", LISTS, async () => {
      await client.callTool({ name: "list_dir", arguments: { path: "big", pattern: "*99?.txt" } });
    }),
  );
  await client.close();
  rmSync(base, { recursive: true, force: true });
  if (listed !== FILES) throw new Error(`list_dir returned ${listed} names, expected ${FILES}`);

  const lines = [
    `mcp-fileserver benchmark — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? "?"})`,
    `${FILES} files of ~1 KiB in one directory; ${READS} sequential reads, ${LISTS} sequential listings; latencies in ms`,
    "",
    "| operation                                    |    ops/s |  p50 ms  |  p99 ms  |",
    "| -------------------------------------------- | -------: | -------: | -------: |",
    ...results.map(row),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
