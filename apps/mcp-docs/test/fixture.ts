/** A root to ingest, full of traps: links out of the root, denied files, binaries, odd types; and a secret outside. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SECRET = "TOPSECRETMARK";

export interface IngestFixture {
  readonly base: string;
  readonly root: string;
  readonly data: string;
  write(rel: string, text: string): void;
  remove(rel: string): void;
  cleanup(): void;
}

export function createIngestFixture(): IngestFixture {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "mcpdocs-ingest-")));
  const root = join(base, "root");
  const outside = join(base, "outside");
  for (const d of [root, outside, join(root, "guides"), join(root, ".git"), join(root, "config")])
    mkdirSync(d, { recursive: true });
  const write = (rel: string, text: string) => writeFileSync(join(root, rel), text);
  write(
    "alpha.md",
    "# Alpha\n\nThe alpha page talks about kettles and teapots.\n\n" +
      "Kettles boil water for the pot. ".repeat(8) +
      "\n\n## Brewing\n\nSteep green tea for two minutes.\n",
  );
  write("guides/beta.txt", "Beta guide\n\nBicycles need chains and gears.\n");
  write(
    "guides/gamma.html",
    "<html><head><title>Gamma page</title><script>var x = 'scriptcontent';</script></head><body><h1>Gamma</h1><h2>Sailing</h2><p>Boats use sails and rudders.</p></body></html>",
  );
  write("image.png", "\x89PNG not a document");
  write("binary.md", "text then a NUL \u0000 byte");
  for (const p of [
    ".env",
    ".env.md",
    "server.pem",
    "private.key",
    "id_rsa.md",
    ".git/notes.md",
    "config/.env.local.md",
    "SECRETS.PEM",
  ])
    write(p, `${SECRET} in ${p}\n`);
  writeFileSync(join(outside, "leak.md"), `# Leak\n\n${SECRET} outside the root\n`);
  mkdirSync(join(outside, "dir"));
  writeFileSync(join(outside, "dir", "inner.md"), `${SECRET} in a linked directory\n`);
  symlinkSync(join(outside, "leak.md"), join(root, "abs-link.md"));
  symlinkSync("../outside/leak.md", join(root, "rel-link.md"));
  symlinkSync(join(outside, "dir"), join(root, "dir-link"));
  symlinkSync("alpha.md", join(root, "inside-link.md"));
  symlinkSync("missing.md", join(root, "dangling.md"));
  return {
    base,
    root,
    data: join(base, "data"),
    write,
    remove: (rel) => rmSync(join(root, rel)),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}
