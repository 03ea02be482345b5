/** A temp directory with a root full of traps, its `<root>_evil` sibling, and an outside directory. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Fixture {
  /** realpath of the temp base directory (never allowed to appear in a response) */
  readonly base: string;
  readonly root: string;
  readonly root2: string;
  readonly evil: string;
  readonly outside: string;
  cleanup(): Promise<void>;
}

export const SECRET_MARK = "TOPSECRET";
export const LONG_A = "a".repeat(200);

export async function createFixture(): Promise<Fixture> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "mcpfs-")));
  const root = join(base, "root");
  const root2 = join(base, "second");
  const evil = join(base, "root_evil");
  const outside = join(base, "outside");
  for (const d of [
    root,
    root2,
    evil,
    outside,
    join(root, "docs/deep/a/b"),
    join(root, ".git"),
    join(root, "config"),
    join(root, "many"),
  ]) {
    mkdirSync(d, { recursive: true });
  }
  const w = (p: string, data: string | Uint8Array) => writeFileSync(join(root, p), data);
  w("hello.txt", "hello world\n");
  w("notes.md", "# Notes\nThe quick brown fox\njumps over the lazy dog\n");
  w("docs/readme.md", "Read me first.\nNeedle in docs.\n");
  w("docs/guide.md", "guide\n");
  w("docs/deep/a/b/c.txt", "deep needle\n");
  w("lines.txt", Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join("\n") + "\n");
  w("unicode.txt", "héllo wörld — 日本語 🎉\n".repeat(20));
  w("binary.bin", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x03, 0xff, 0x00]));
  w("redos.txt", `${"a".repeat(5000)}!\n`);
  w(LONG_A, "long name\n");
  const line = "0123456789abcdef".repeat(63) + "\n"; // 1 KiB lines
  w("huge.txt", line.repeat(8 * 1024)); // 8 MiB: 80x the default read cap
  w("sparse.bin", "");
  truncateSync(join(root, "sparse.bin"), 10 * 1024 * 1024 * 1024); // 10 GiB of zeros, sparse
  for (let i = 0; i < 30; i++) w(`many/f${String(i).padStart(2, "0")}.txt`, `file ${i}\n`);
  // deny-listed files, each with the secret mark
  for (const p of [".env", ".env.local", "server.pem", "private.key", "id_rsa", ".git/config", "config/.env"])
    w(p, `${SECRET_MARK} in ${p}\n`);
  w("id_rsa.pub", "ssh-rsa AAAAB3NzaC1yc2E public key\n"); // a public key is not a secret
  // outside the root
  writeFileSync(join(evil, "secret.txt"), `${SECRET_MARK} evil sibling\n`);
  writeFileSync(join(outside, "secret.txt"), `${SECRET_MARK} outside\n`);
  symlinkSync(join(root, "hello.txt"), join(outside, "back_in"));
  writeFileSync(join(root2, "other.txt"), "second root\n");
  // links
  const ln = (target: string, name: string) => symlinkSync(target, join(root, name));
  ln("hello.txt", "in_link.txt");
  ln(join(root, "hello.txt"), "abs_in");
  ln("docs", "dir_link");
  ln("chain2", "chain1");
  ln("chain3", "chain2");
  ln("docs/../hello.txt", "chain3");
  ln(join(outside, "secret.txt"), "out_abs");
  ln("../outside/secret.txt", "out_rel");
  ln("../outside/nope.txt", "out_missing");
  ln(join(outside, "nope.txt"), "out_abs_missing");
  ln("../root_evil/secret.txt", "out_evil");
  ln("chain_out2", "chain_out1");
  ln("../outside/secret.txt", "chain_out2");
  ln("../outside/back_in", "hop_out_in");
  ln("missing-target.txt", "dangling");
  ln("loop_b", "loop_a");
  ln("loop_a", "loop_b");
  ln("/dev/zero", "dev_zero");
  ln("/dev/urandom", "dev_random");
  ln("/etc", "etc_link");
  ln("..", "parent_link");
  ln(".", "self_link");
  ln(".env", "link_to_env");
  ln(".git", "git_link");
  ln("docs/deep/../../../outside/secret.txt", "dotdot_link");
  execFileSync("mkfifo", [join(root, "fifo")]);
  const sock: Server = createServer();
  await new Promise<void>((resolve) => sock.listen(join(root, "sock"), resolve));
  return {
    base,
    root,
    root2,
    evil,
    outside,
    async cleanup() {
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      rmSync(base, { recursive: true, force: true });
    },
  };
}
