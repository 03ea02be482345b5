/** The hostile corpus: one table, run over stdio and over HTTP. */
import { expect } from "vitest";
import type { Fixture } from "./fixture.js";
import { firstText, type Outcome } from "./helpers.js";

export interface HostileCase {
  readonly family: string;
  readonly name: string;
  readonly tool: string;
  readonly args: (fx: Fixture) => unknown;
  /** Expected refusal: a code at the start of the tool error, or "PARAMS" for a protocol-level invalid-params error. */
  readonly code?: string;
  /** Instead of a refusal: a check of what came back (must still leak nothing). */
  readonly check?: (o: Outcome, fx: Fixture) => void;
  readonly maxMs?: number;
}

const PARAMS = "PARAMS";

const noNames =
  (...names: string[]) =>
  (o: Outcome) => {
    expect(o.refused).toBe(false);
    for (const n of names) expect(o.text).not.toContain(n);
  };

export const CORPUS: readonly HostileCase[] = [
  // traversal
  {
    family: "traversal",
    name: "../ to a sibling dir",
    tool: "read_text",
    args: () => ({ path: "../outside/secret.txt" }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "traversal",
    name: "deep ../ to /etc/passwd",
    tool: "read_text",
    args: () => ({ path: "../../../../../../etc/passwd" }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "traversal",
    name: "../ after a real dir",
    tool: "read_text",
    args: () => ({ path: "docs/../../outside/secret.txt" }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "traversal",
    name: "harmless-looking docs/../hello.txt is still refused",
    tool: "read_text",
    args: () => ({ path: "docs/../hello.txt" }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "traversal",
    name: "list_dir on the parent",
    tool: "list_dir",
    args: () => ({ path: ".." }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "traversal",
    name: "directory_tree of the parent",
    tool: "directory_tree",
    args: () => ({ path: "../" }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "traversal",
    name: "search_text from the parent",
    tool: "search_text",
    args: () => ({ query: "TOPSECRET", path: ".." }),
    code: "OUTSIDE_ROOT",
  },
  // prefix siblings (CVE-2025-54794 style)
  {
    family: "prefix",
    name: "../root_evil sibling",
    tool: "read_text",
    args: () => ({ path: "../root_evil/secret.txt" }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "prefix",
    name: "absolute <root>_evil",
    tool: "read_text",
    args: (fx) => ({ path: `${fx.evil}/secret.txt` }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "prefix",
    name: "list <root>_evil",
    tool: "list_dir",
    args: (fx) => ({ path: fx.evil }),
    code: "OUTSIDE_ROOT",
  },
  // absolute paths
  {
    family: "absolute",
    name: "/etc/passwd",
    tool: "read_text",
    args: () => ({ path: "/etc/passwd" }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "absolute",
    name: "absolute path inside the root",
    tool: "read_text",
    args: (fx) => ({ path: `${fx.root}/hello.txt` }),
    code: "OUTSIDE_ROOT",
  },
  {
    family: "absolute",
    name: "get_file_info /etc",
    tool: "get_file_info",
    args: () => ({ path: "/etc" }),
    code: "OUTSIDE_ROOT",
  },
  { family: "absolute", name: "list_dir /", tool: "list_dir", args: () => ({ path: "/" }), code: "OUTSIDE_ROOT" },
  {
    family: "absolute",
    name: "double slash //etc",
    tool: "search_files",
    args: () => ({ pattern: "*", path: "//etc" }),
    code: "OUTSIDE_ROOT",
  },
  // encoded and backslash tricks
  {
    family: "encoding",
    name: "percent-encoded ../ is a literal name",
    tool: "read_text",
    args: () => ({ path: "..%2f..%2fetc%2fpasswd" }),
    code: "NOT_FOUND",
  },
  {
    family: "encoding",
    name: "%2e%2e segment is a literal name",
    tool: "read_text",
    args: () => ({ path: "%2e%2e/outside/secret.txt" }),
    code: "NOT_FOUND",
  },
  {
    family: "encoding",
    name: "backslash traversal",
    tool: "read_text",
    args: () => ({ path: "..\\outside\\secret.txt" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "encoding",
    name: "mixed separators",
    tool: "read_text",
    args: () => ({ path: "docs\\..\\..\\outside/secret.txt" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "encoding",
    name: "NUL byte",
    tool: "read_text",
    args: () => ({ path: "hello.txt\u0000.png" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "encoding",
    name: "unicode fullwidth dots are literal",
    tool: "read_text",
    args: () => ({ path: "\uff0e\uff0e/outside/secret.txt" }),
    code: "NOT_FOUND",
  },
  { family: "encoding", name: "empty path", tool: "read_text", args: () => ({ path: "" }), code: "INVALID_ARGUMENT" },
  {
    family: "encoding",
    name: "over-long path",
    tool: "read_text",
    args: () => ({ path: "a/".repeat(3000) }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "encoding",
    name: "over-long segment",
    tool: "read_text",
    args: () => ({ path: "x".repeat(300) }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "encoding",
    name: "~ is not home",
    tool: "read_text",
    args: () => ({ path: "~/.bashrc" }),
    code: "NOT_FOUND",
  },
  // symlinks
  {
    family: "symlink",
    name: "absolute link out",
    tool: "read_text",
    args: () => ({ path: "out_abs" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "relative link out",
    tool: "read_text",
    args: () => ({ path: "out_rel" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "link out to a missing file",
    tool: "read_text",
    args: () => ({ path: "out_missing" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "link to the evil sibling",
    tool: "read_text",
    args: () => ({ path: "out_evil" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "chained links ending outside",
    tool: "read_text",
    args: () => ({ path: "chain_out1" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "link out and back in",
    tool: "read_text",
    args: () => ({ path: "hop_out_in" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "link with .. through a real dir",
    tool: "read_text",
    args: () => ({ path: "dotdot_link" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "dangling link inside",
    tool: "read_text",
    args: () => ({ path: "dangling" }),
    code: "LINK_REFUSED",
  },
  { family: "symlink", name: "link loop", tool: "read_text", args: () => ({ path: "loop_a" }), code: "LINK_REFUSED" },
  {
    family: "symlink",
    name: "link to /dev/zero",
    tool: "read_text",
    args: () => ({ path: "dev_zero" }),
    code: "LINK_REFUSED",
    maxMs: 3000,
  },
  {
    family: "symlink",
    name: "link to /dev/urandom",
    tool: "read_text",
    args: () => ({ path: "dev_random" }),
    code: "LINK_REFUSED",
    maxMs: 3000,
  },
  {
    family: "symlink",
    name: "through a dir link to /etc",
    tool: "read_text",
    args: () => ({ path: "etc_link/passwd" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "through a link to the parent",
    tool: "read_text",
    args: () => ({ path: "parent_link/outside/secret.txt" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "list a dir link to /etc",
    tool: "list_dir",
    args: () => ({ path: "etc_link" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "info on a link out",
    tool: "get_file_info",
    args: () => ({ path: "out_abs" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "search_text through a link out",
    tool: "search_text",
    args: () => ({ query: "x", path: "parent_link" }),
    code: "LINK_REFUSED",
  },
  {
    family: "symlink",
    name: "listings leave out links that leave the root",
    tool: "list_dir",
    args: () => ({ path: ".", pattern: "*" }),
    check: noNames(
      "out_abs",
      "out_rel",
      "out_missing",
      "out_evil",
      "chain_out1",
      "hop_out_in",
      "dangling",
      "loop_a",
      "dev_zero",
      "etc_link",
    ),
  },
  // special files
  {
    family: "special",
    name: "FIFO is refused at once",
    tool: "read_text",
    args: () => ({ path: "fifo" }),
    code: "NOT_A_FILE",
    maxMs: 3000,
  },
  {
    family: "special",
    name: "FIFO head lines",
    tool: "read_text",
    args: () => ({ path: "fifo", head: 1 }),
    code: "NOT_A_FILE",
    maxMs: 3000,
  },
  { family: "special", name: "unix socket", tool: "read_text", args: () => ({ path: "sock" }), code: "NOT_A_FILE" },
  {
    family: "special",
    name: "directory as a file",
    tool: "read_text",
    args: () => ({ path: "docs" }),
    code: "NOT_A_FILE",
  },
  {
    family: "special",
    name: "list_dir on a file",
    tool: "list_dir",
    args: () => ({ path: "hello.txt" }),
    code: "NOT_A_DIRECTORY",
  },
  {
    family: "special",
    name: "search_text skips the FIFO without blocking",
    tool: "search_text",
    args: () => ({ query: "needle", max_depth: 1 }),
    check: (o) => expect(o.refused).toBe(false),
    maxMs: 5000,
  },
  // huge and binary
  { family: "binary", name: "binary file", tool: "read_text", args: () => ({ path: "binary.bin" }), code: "BINARY" },
  {
    family: "binary",
    name: "10 GiB sparse file of zeros",
    tool: "read_text",
    args: () => ({ path: "sparse.bin" }),
    code: "BINARY",
    maxMs: 3000,
  },
  {
    family: "binary",
    name: "tail of the sparse file",
    tool: "read_text",
    args: () => ({ path: "sparse.bin", tail: 3 }),
    code: "BINARY",
    maxMs: 3000,
  },
  {
    family: "huge",
    name: "8 MiB text file is capped at max_bytes",
    tool: "read_text",
    args: () => ({ path: "huge.txt" }),
    check: (o) => {
      expect(o.refused).toBe(false);
      expect(o.structured?.truncated).toBe(true);
      expect(o.structured?.bytes).toBe(100_000);
    },
    maxMs: 5000,
  },
  {
    family: "huge",
    name: "tail of a 8 MiB file reads only the end",
    tool: "read_text",
    args: () => ({ path: "huge.txt", tail: 2 }),
    check: (o) => {
      expect(o.refused).toBe(false);
      expect(o.structured?.truncated).toBe(false);
      expect(String(o.structured?.text).split("\n").length).toBe(3);
    },
    maxMs: 3000,
  },
  // deny-list
  { family: "deny", name: ".env", tool: "read_text", args: () => ({ path: ".env" }), code: "DENIED" },
  { family: "deny", name: ".env.local", tool: "read_text", args: () => ({ path: ".env.local" }), code: "DENIED" },
  { family: "deny", name: "*.pem", tool: "read_text", args: () => ({ path: "server.pem" }), code: "DENIED" },
  { family: "deny", name: "*.key", tool: "read_text", args: () => ({ path: "private.key" }), code: "DENIED" },
  { family: "deny", name: "id_rsa", tool: "read_text", args: () => ({ path: "id_rsa" }), code: "DENIED" },
  {
    family: "deny",
    name: "id_rsa.pub stays readable",
    tool: "get_file_info",
    args: () => ({ path: "id_rsa.pub" }),
    check: (o) => expect(o.refused).toBe(false),
  },
  { family: "deny", name: ".git/config", tool: "read_text", args: () => ({ path: ".git/config" }), code: "DENIED" },
  { family: "deny", name: "list .git", tool: "list_dir", args: () => ({ path: ".git" }), code: "DENIED" },
  {
    family: "deny",
    name: "nested config/.env",
    tool: "read_text",
    args: () => ({ path: "config/.env" }),
    code: "DENIED",
  },
  { family: "deny", name: "case games: .ENV", tool: "read_text", args: () => ({ path: ".ENV" }), code: "DENIED" },
  {
    family: "deny",
    name: "case games: SERVER.PEM",
    tool: "read_text",
    args: () => ({ path: "SERVER.PEM" }),
    code: "DENIED",
  },
  {
    family: "deny",
    name: "a missing deny-listed name answers the same",
    tool: "read_text",
    args: () => ({ path: "nowhere/.env.prod" }),
    code: "DENIED",
  },
  { family: "deny", name: "link to .env", tool: "read_text", args: () => ({ path: "link_to_env" }), code: "DENIED" },
  {
    family: "deny",
    name: "through a link to .git",
    tool: "read_text",
    args: () => ({ path: "git_link/config" }),
    code: "DENIED",
  },
  {
    family: "deny",
    name: "listing hides denied names",
    tool: "list_dir",
    args: () => ({ path: ".", pattern: "**" }),
    check: noNames(".env", "server.pem", "private.key", '"id_rsa"', ".git", "link_to_env"),
  },
  {
    family: "deny",
    name: "search_files cannot find denied names",
    tool: "search_files",
    args: () => ({ pattern: "{.env*,*.pem,*.key,id_rsa*,config}" }),
    check: (o) =>
      expect(o.structured?.matches).toEqual([
        { path: "config", type: "directory" },
        { path: "id_rsa.pub", type: "file" },
      ]),
  },
  {
    family: "deny",
    name: "search_text does not read denied files",
    tool: "search_text",
    args: () => ({ query: "TOPSECRET" }),
    check: (o) => expect(o.structured?.matches).toEqual([]),
  },
  {
    family: "deny",
    name: "directory_tree hides denied names",
    tool: "directory_tree",
    args: () => ({ max_depth: 5, max_entries: 10000 }),
    check: noNames(".env", "server.pem", ".git/", '"id_rsa"'),
  },
  // glob escapes
  {
    family: "glob",
    name: "../* pattern",
    tool: "list_dir",
    args: () => ({ pattern: "../*" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "absolute pattern",
    tool: "list_dir",
    args: () => ({ pattern: "/etc/*" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "brace with ..",
    tool: "list_dir",
    args: () => ({ pattern: "{..,docs}/*" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "brace that builds .. after expansion",
    tool: "search_files",
    args: () => ({ pattern: "{.,x}./*" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "**/../ pattern",
    tool: "search_files",
    args: () => ({ pattern: "**/../../*" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "backslash pattern",
    tool: "list_dir",
    args: () => ({ pattern: "..\\*" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "brace bomb",
    tool: "search_files",
    args: () => ({ pattern: "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "brace range is refused",
    tool: "list_dir",
    args: () => ({ pattern: "{1..99999999}" }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "glob",
    name: "catastrophic wildcard pattern stays fast",
    tool: "list_dir",
    args: () => ({ pattern: `${"*a".repeat(12)}*b` }),
    check: (o) => {
      expect(o.refused).toBe(false);
      expect(o.structured?.files).toEqual([]);
    },
    maxMs: 3000,
  },
  {
    family: "glob",
    name: "include glob escape in search_text",
    tool: "search_text",
    args: () => ({ query: "x", include: "../**" }),
    code: "INVALID_ARGUMENT",
  },
  // regex guard
  {
    family: "regex",
    name: "(a+)+$ runs in linear time",
    tool: "search_text",
    args: () => ({ query: "(a+)+$", regex: true, include: "redos.txt" }),
    check: (o) => expect(o.refused).toBe(false),
    maxMs: 3000,
  },
  {
    family: "regex",
    name: "backreference refused",
    tool: "search_text",
    args: () => ({ query: "(a)\\1", regex: true }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "regex",
    name: "lookbehind refused",
    tool: "search_text",
    args: () => ({ query: "(?<=a)b", regex: true }),
    code: "INVALID_ARGUMENT",
  },
  {
    family: "regex",
    name: "invalid regex",
    tool: "search_text",
    args: () => ({ query: "([", regex: true }),
    code: "INVALID_ARGUMENT",
  },
  // absurd caps
  {
    family: "caps",
    name: "negative max_bytes",
    tool: "read_text",
    args: () => ({ path: "hello.txt", max_bytes: -1 }),
    code: PARAMS,
  },
  {
    family: "caps",
    name: "zero max_bytes",
    tool: "read_text",
    args: () => ({ path: "hello.txt", max_bytes: 0 }),
    code: PARAMS,
  },
  {
    family: "caps",
    name: "max_bytes 1e15",
    tool: "read_text",
    args: () => ({ path: "hello.txt", max_bytes: 1e15 }),
    code: PARAMS,
  },
  {
    family: "caps",
    name: "fractional head",
    tool: "read_text",
    args: () => ({ path: "hello.txt", head: 1.5 }),
    code: PARAMS,
  },
  { family: "caps", name: "offset 0", tool: "read_text", args: () => ({ path: "lines.txt", offset: 0 }), code: PARAMS },
  {
    family: "caps",
    name: "head and tail together",
    tool: "read_text",
    args: () => ({ path: "lines.txt", head: 1, tail: 1 }),
    code: "INVALID_ARGUMENT",
  },
  { family: "caps", name: "max_entries 1e9", tool: "list_dir", args: () => ({ max_entries: 1e9 }), code: PARAMS },
  { family: "caps", name: "max_depth 1000", tool: "directory_tree", args: () => ({ max_depth: 1000 }), code: PARAMS },
  {
    family: "caps",
    name: "max_results -5",
    tool: "search_text",
    args: () => ({ query: "a", max_results: -5 }),
    code: PARAMS,
  },
  {
    family: "caps",
    name: "query of 100k chars",
    tool: "search_text",
    args: () => ({ query: "a".repeat(100_000) }),
    code: PARAMS,
  },
  // wrong argument types
  { family: "types", name: "path is a number", tool: "read_text", args: () => ({ path: 123 }), code: PARAMS },
  { family: "types", name: "path is null", tool: "read_text", args: () => ({ path: null }), code: PARAMS },
  { family: "types", name: "path is an array", tool: "read_text", args: () => ({ path: ["hello.txt"] }), code: PARAMS },
  {
    family: "types",
    name: "path is an object",
    tool: "get_file_info",
    args: () => ({ path: { toString: "hello.txt" } }),
    code: PARAMS,
  },
  { family: "types", name: "path missing", tool: "read_text", args: () => ({}), code: PARAMS },
  { family: "types", name: "pattern is a number", tool: "list_dir", args: () => ({ pattern: 5 }), code: PARAMS },
  {
    family: "types",
    name: "max_bytes as a string",
    tool: "read_text",
    args: () => ({ path: "hello.txt", max_bytes: "100" }),
    code: PARAMS,
  },
  {
    family: "types",
    name: "regex as a string",
    tool: "search_text",
    args: () => ({ query: "a", regex: "yes" }),
    code: PARAMS,
  },
  { family: "types", name: "empty query", tool: "search_text", args: () => ({ query: "" }), code: PARAMS },
  { family: "types", name: "arguments is a string", tool: "read_text", args: () => "hello.txt", code: "INTERNAL_RPC" },
  {
    family: "types",
    name: "arguments is an array",
    tool: "read_text",
    args: () => ["hello.txt"],
    code: "INTERNAL_RPC",
  },
  { family: "types", name: "arguments is null", tool: "list_dir", args: () => null, code: "INTERNAL_RPC" },
  {
    family: "types",
    name: "a write tool does not exist",
    tool: "write_file",
    args: () => ({ path: "x.txt", content: "x" }),
    code: PARAMS,
  },
];

/** Every outcome, refused or not: no host path, no secret, no stack. */
export function assertNoLeak(o: Outcome, fx: Fixture): void {
  expect(o.text).not.toContain(fx.base);
  expect(o.text).not.toContain("TOPSECRET");
  expect(o.text).not.toContain("root:x:0:0");
  expect(o.text).not.toMatch(/\n\s+at /);
  expect(o.text).not.toContain("node_modules");
}

export function assertRefused(o: Outcome, code: string): void {
  expect(o.refused, `expected refusal ${code}, got ${o.text.slice(0, 300)}`).toBe(true);
  if (code === PARAMS) {
    expect(o.text).toMatch(/-32602|-32601|Unknown tool|validation failed/);
  } else if (code === "INTERNAL_RPC") {
    // the SDK server rejects a request whose arguments are not an object before any tool runs
    expect(o.text).toMatch(/-3260[23]/);
  } else {
    expect(firstText(o).startsWith(`${code}:`), `expected ${code}, got ${o.text.slice(0, 300)}`).toBe(true);
  }
}
