/**
 * Finding: SSH keys, .npmrc, .netrc, AWS-style credentials files were readable and searchable.
 * Every default deny-list entry, over both transports, through every tool: read, info, list, tree, search.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, connectOver, firstText, type Conn } from "./helpers.js";

const MARK = "CREDENTIAL_MARK";

/** Paths that must be hidden, each holding the mark, by what they hold. */
const SECRETS_BY_KIND = {
  "ssh (inside .ssh/, everything is hidden)": [".ssh/config", ".ssh/authorized_keys", ".ssh/id_ed25519.pub"],
  "private keys": ["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa", "id_ed25519_sk", "keys/id_rsa_github", "server.ppk"],
  "key stores": ["cert.p12", "cert.pfx", "passwords.kdbx", "release.keystore", "app.jks"],
  gpg: [".gnupg/private-keys-v1.d/key.key", ".gnupg/pubring.kbx"],
  "cloud credentials": [".aws/credentials", ".aws/config", ".azure/accessTokens.json", ".s3cfg", ".boto"],
  gcloud: [".config/gcloud/application_default_credentials.json"],
  containers: [".docker/config.json", "deploy/.docker/config.json", ".kube/config"],
  "package registries": [".npmrc", "web/.npmrc", ".pypirc"],
  "logins and passwords": [".netrc", "_netrc", ".git-credentials", ".pgpass", ".my.cnf", ".htpasswd", ".vault-token"],
  "credentials by name": ["credentials", "credentials.json", "gcp-credentials.json", "terraform/credentials.tfrc.json"],
} as const;

export const SECRET_FILES = Object.values(SECRETS_BY_KIND).flat();

/** Look like secrets but are not: stay visible. */
const PUBLIC_FILES = [
  "id_ed25519.pub",
  "id_rsa.pub",
  "keys/id_rsa_github.pub",
  "docs/identity.md",
  "id_card.txt",
] as const;

let base: string;
let root: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "mcpfs-deny-")));
  root = join(base, "home");
  for (const p of SECRET_FILES) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), `${MARK} ${p}\n`);
  }
  for (const p of PUBLIC_FILES) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), `public ${p}\n`);
  }
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe.each(["stdio", "http"] as const)("default deny-list over %s", (kind) => {
  let conn: Conn;

  beforeAll(async () => {
    conn = await connectOver(kind, ["--root", root]);
  });

  afterAll(async () => {
    await conn.close();
  });

  it.each(SECRET_FILES.map((p) => [p]))("%s: read_text and get_file_info refuse it", async (p) => {
    for (const tool of ["read_text", "get_file_info"]) {
      const o = await call(conn.client, tool, { path: p });
      expect(o.refused, `${tool} ${p}: ${o.text.slice(0, 200)}`).toBe(true);
      expect(firstText(o)).toMatch(/^DENIED:/);
      expect(o.text).not.toContain(MARK);
    }
  });

  it("list_dir, directory_tree and search_files show none of them; the public look-alikes stay", async () => {
    const listing = await call(conn.client, "list_dir", { pattern: "**", max_entries: 10000 });
    const tree = await call(conn.client, "directory_tree", { max_depth: 10, max_entries: 10000 });
    const found = await call(conn.client, "search_files", { pattern: "**", max_results: 10000 });
    for (const o of [listing, tree, found]) {
      expect(o.refused, o.text.slice(0, 200)).toBe(false);
      for (const p of SECRET_FILES) expect(o.text, p).not.toMatch(new RegExp(`"${p.replace(/[.]/g, "\\.")}"`));
      for (const dir of [".ssh", ".aws", ".gnupg", ".kube", ".azure", "gcloud"])
        expect(o.text).not.toContain(`"${dir}`);
    }
    const files = listing.structured?.files as string[];
    for (const p of PUBLIC_FILES) expect(files, p).toContain(p);
  });

  it("search_text never reads them", async () => {
    const o = await call(conn.client, "search_text", { query: MARK, max_results: 1000 });
    expect(o.refused, o.text.slice(0, 200)).toBe(false);
    expect(o.structured?.matches).toEqual([]);
    const pub = await call(conn.client, "search_text", { query: "public", max_results: 1000 });
    expect((pub.structured?.matches as unknown[]).length).toBe(PUBLIC_FILES.length);
  });
});
