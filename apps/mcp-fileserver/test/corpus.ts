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

type Check = NonNullable<HostileCase["check"]>;

/** Answered, not refused. */
const answered: Check = (o) => expect(o.refused).toBe(false);

/** Answered, and the text shows none of these names. */
const noNames =
  (...names: string[]): Check =>
  (o) => {
    expect(o.refused).toBe(false);
    for (const n of names) expect(o.text).not.toContain(n);
  };

/** search_files or search_text answered with exactly these matches. */
const matches =
  (expected: unknown[]): Check =>
  (o) =>
    expect(o.structured?.matches).toEqual(expected);

/** list_dir answered with exactly these files. */
const listed =
  (expected: string[]): Check =>
  (o) => {
    expect(o.refused).toBe(false);
    expect(o.structured?.files).toEqual(expected);
  };

/** read_text answered with these fields and, when given, this many lines of text. */
const read =
  (fields: Record<string, unknown>, lines?: number): Check =>
  (o) => {
    expect(o.refused).toBe(false);
    for (const [k, v] of Object.entries(fields)) expect(o.structured?.[k], k).toBe(v);
    if (lines !== undefined) expect(String(o.structured?.text).split("\n").length).toBe(lines);
  };

/** The fixture's links that leave the root: no listing may show them. */
const LINKS_OUT = [
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
];

/** Arguments as sent, or built from the fixture (its paths differ each run). */
type Args = ((fx: Fixture) => unknown) | Record<string, unknown> | unknown[] | string | null;

/** A row: name, tool, arguments, then the refusal code expected or a check of the answer, and at most how long (ms). */
type Row = readonly [name: string, tool: string, args: Args, expected: string | Check, maxMs?: number];

/** One family's rows, as cases. */
function family(name: string, rows: readonly Row[]): HostileCase[] {
  return rows.map(([caseName, tool, args, expected, maxMs]) => ({
    family: name,
    name: caseName,
    tool,
    args: typeof args === "function" ? args : () => args,
    ...(typeof expected === "string" ? { code: expected } : { check: expected }),
    ...(maxMs !== undefined ? { maxMs } : {}),
  }));
}

export const CORPUS: readonly HostileCase[] = [
  // traversal
  ...family("traversal", [
    ["../ to a sibling dir", "read_text", { path: "../outside/secret.txt" }, "OUTSIDE_ROOT"],
    ["deep ../ to /etc/passwd", "read_text", { path: "../../../../../../etc/passwd" }, "OUTSIDE_ROOT"],
    ["../ after a real dir", "read_text", { path: "docs/../../outside/secret.txt" }, "OUTSIDE_ROOT"],
    ["harmless-looking docs/../hello.txt is still refused", "read_text", { path: "docs/../hello.txt" }, "OUTSIDE_ROOT"],
    ["list_dir on the parent", "list_dir", { path: ".." }, "OUTSIDE_ROOT"],
    ["directory_tree of the parent", "directory_tree", { path: "../" }, "OUTSIDE_ROOT"],
    ["search_text from the parent", "search_text", { query: "TOPSECRET", path: ".." }, "OUTSIDE_ROOT"],
  ]),
  // prefix siblings (CVE-2025-54794 style)
  ...family("prefix", [
    ["../root_evil sibling", "read_text", { path: "../root_evil/secret.txt" }, "OUTSIDE_ROOT"],
    ["absolute <root>_evil", "read_text", (fx) => ({ path: `${fx.evil}/secret.txt` }), "OUTSIDE_ROOT"],
    ["list <root>_evil", "list_dir", (fx) => ({ path: fx.evil }), "OUTSIDE_ROOT"],
  ]),
  // absolute paths
  ...family("absolute", [
    ["/etc/passwd", "read_text", { path: "/etc/passwd" }, "OUTSIDE_ROOT"],
    ["absolute path inside the root", "read_text", (fx) => ({ path: `${fx.root}/hello.txt` }), "OUTSIDE_ROOT"],
    ["get_file_info /etc", "get_file_info", { path: "/etc" }, "OUTSIDE_ROOT"],
    ["list_dir /", "list_dir", { path: "/" }, "OUTSIDE_ROOT"],
    ["double slash //etc", "search_files", { pattern: "*", path: "//etc" }, "OUTSIDE_ROOT"],
  ]),
  // encoded and backslash tricks
  ...family("encoding", [
    ["percent-encoded ../ is a literal name", "read_text", { path: "..%2f..%2fetc%2fpasswd" }, "NOT_FOUND"],
    ["%2e%2e segment is a literal name", "read_text", { path: "%2e%2e/outside/secret.txt" }, "NOT_FOUND"],
    ["backslash traversal", "read_text", { path: "..\\outside\\secret.txt" }, "INVALID_ARGUMENT"],
    ["mixed separators", "read_text", { path: "docs\\..\\..\\outside/secret.txt" }, "INVALID_ARGUMENT"],
    ["NUL byte", "read_text", { path: "hello.txt\u0000.png" }, "INVALID_ARGUMENT"],
    ["unicode fullwidth dots are literal", "read_text", { path: "\uff0e\uff0e/outside/secret.txt" }, "NOT_FOUND"],
    ["empty path", "read_text", { path: "" }, "INVALID_ARGUMENT"],
    ["over-long path", "read_text", { path: "a/".repeat(3000) }, "INVALID_ARGUMENT"],
    ["over-long segment", "read_text", { path: "x".repeat(300) }, "INVALID_ARGUMENT"],
    ["~ is not home", "read_text", { path: "~/.bashrc" }, "NOT_FOUND"],
  ]),
  // symlinks
  ...family("symlink", [
    ["absolute link out", "read_text", { path: "out_abs" }, "LINK_REFUSED"],
    ["relative link out", "read_text", { path: "out_rel" }, "LINK_REFUSED"],
    ["link out to a missing file", "read_text", { path: "out_missing" }, "LINK_REFUSED"],
    ["link to the evil sibling", "read_text", { path: "out_evil" }, "LINK_REFUSED"],
    ["chained links ending outside", "read_text", { path: "chain_out1" }, "LINK_REFUSED"],
    ["link out and back in", "read_text", { path: "hop_out_in" }, "LINK_REFUSED"],
    ["link with .. through a real dir", "read_text", { path: "dotdot_link" }, "LINK_REFUSED"],
    ["dangling link inside", "read_text", { path: "dangling" }, "LINK_REFUSED"],
    ["link loop", "read_text", { path: "loop_a" }, "LINK_REFUSED"],
    ["link to /dev/zero", "read_text", { path: "dev_zero" }, "LINK_REFUSED", 3000],
    ["link to /dev/urandom", "read_text", { path: "dev_random" }, "LINK_REFUSED", 3000],
    ["through a dir link to /etc", "read_text", { path: "etc_link/passwd" }, "LINK_REFUSED"],
    ["through a link to the parent", "read_text", { path: "parent_link/outside/secret.txt" }, "LINK_REFUSED"],
    ["list a dir link to /etc", "list_dir", { path: "etc_link" }, "LINK_REFUSED"],
    ["info on a link out", "get_file_info", { path: "out_abs" }, "LINK_REFUSED"],
    ["search_text through a link out", "search_text", { query: "x", path: "parent_link" }, "LINK_REFUSED"],
    ["listings leave out links that leave the root", "list_dir", { path: ".", pattern: "*" }, noNames(...LINKS_OUT)],
  ]),
  // special files
  ...family("special", [
    ["FIFO is refused at once", "read_text", { path: "fifo" }, "NOT_A_FILE", 3000],
    ["FIFO head lines", "read_text", { path: "fifo", head: 1 }, "NOT_A_FILE", 3000],
    ["unix socket", "read_text", { path: "sock" }, "NOT_A_FILE"],
    ["directory as a file", "read_text", { path: "docs" }, "NOT_A_FILE"],
    ["list_dir on a file", "list_dir", { path: "hello.txt" }, "NOT_A_DIRECTORY"],
    ["search_text skips the FIFO without blocking", "search_text", { query: "needle", max_depth: 1 }, answered, 5000],
  ]),
  // huge and binary
  ...family("binary", [
    ["binary file", "read_text", { path: "binary.bin" }, "BINARY"],
    ["10 GiB sparse file of zeros", "read_text", { path: "sparse.bin" }, "BINARY", 3000],
    ["tail of the sparse file", "read_text", { path: "sparse.bin", tail: 3 }, "BINARY", 3000],
  ]),
  ...family("huge", [
    [
      "8 MiB text file is capped at max_bytes",
      "read_text",
      { path: "huge.txt" },
      read({ truncated: true, bytes: 100_000 }),
      5000,
    ],
    [
      "tail of a 8 MiB file reads only the end",
      "read_text",
      { path: "huge.txt", tail: 2 },
      read({ truncated: false }, 3),
      3000,
    ],
  ]),
  // deny-list
  ...family("deny", [
    [".env", "read_text", { path: ".env" }, "DENIED"],
    [".env.local", "read_text", { path: ".env.local" }, "DENIED"],
    ["*.pem", "read_text", { path: "server.pem" }, "DENIED"],
    ["*.key", "read_text", { path: "private.key" }, "DENIED"],
    ["id_rsa", "read_text", { path: "id_rsa" }, "DENIED"],
    ["id_rsa.pub stays readable", "get_file_info", { path: "id_rsa.pub" }, answered],
    [".git/config", "read_text", { path: ".git/config" }, "DENIED"],
    ["list .git", "list_dir", { path: ".git" }, "DENIED"],
    ["nested config/.env", "read_text", { path: "config/.env" }, "DENIED"],
    ["case games: .ENV", "read_text", { path: ".ENV" }, "DENIED"],
    ["case games: SERVER.PEM", "read_text", { path: "SERVER.PEM" }, "DENIED"],
    ["a missing deny-listed name answers the same", "read_text", { path: "nowhere/.env.prod" }, "DENIED"],
    ["link to .env", "read_text", { path: "link_to_env" }, "DENIED"],
    ["through a link to .git", "read_text", { path: "git_link/config" }, "DENIED"],
    [
      "listing hides denied names",
      "list_dir",
      { path: ".", pattern: "**" },
      noNames(".env", "server.pem", "private.key", '"id_rsa"', ".git", "link_to_env"),
    ],
    [
      "search_files cannot find denied names",
      "search_files",
      { pattern: "{.env*,*.pem,*.key,id_rsa*,config}" },
      matches([
        { path: "config", type: "directory" },
        { path: "id_rsa.pub", type: "file" },
      ]),
    ],
    ["search_text does not read denied files", "search_text", { query: "TOPSECRET" }, matches([])],
    [
      "directory_tree hides denied names",
      "directory_tree",
      { max_depth: 5, max_entries: 10000 },
      noNames(".env", "server.pem", ".git/", '"id_rsa"'),
    ],
  ]),
  // glob escapes
  ...family("glob", [
    ["../* pattern", "list_dir", { pattern: "../*" }, "INVALID_ARGUMENT"],
    ["absolute pattern", "list_dir", { pattern: "/etc/*" }, "INVALID_ARGUMENT"],
    ["brace with ..", "list_dir", { pattern: "{..,docs}/*" }, "INVALID_ARGUMENT"],
    ["brace that builds .. after expansion", "search_files", { pattern: "{.,x}./*" }, "INVALID_ARGUMENT"],
    ["**/../ pattern", "search_files", { pattern: "**/../../*" }, "INVALID_ARGUMENT"],
    ["backslash pattern", "list_dir", { pattern: "..\\*" }, "INVALID_ARGUMENT"],
    ["brace bomb", "search_files", { pattern: "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}" }, "INVALID_ARGUMENT"],
    ["brace range is refused", "list_dir", { pattern: "{1..99999999}" }, "INVALID_ARGUMENT"],
    ["catastrophic wildcard pattern stays fast", "list_dir", { pattern: `${"*a".repeat(12)}*b` }, listed([]), 3000],
    ["include glob escape in search_text", "search_text", { query: "x", include: "../**" }, "INVALID_ARGUMENT"],
  ]),
  // regex guard
  ...family("regex", [
    [
      "(a+)+$ runs in linear time",
      "search_text",
      { query: "(a+)+$", regex: true, include: "redos.txt" },
      answered,
      3000,
    ],
    ["backreference refused", "search_text", { query: "(a)\\1", regex: true }, "INVALID_ARGUMENT"],
    ["lookbehind refused", "search_text", { query: "(?<=a)b", regex: true }, "INVALID_ARGUMENT"],
    ["invalid regex", "search_text", { query: "([", regex: true }, "INVALID_ARGUMENT"],
  ]),
  // absurd caps
  ...family("caps", [
    ["negative max_bytes", "read_text", { path: "hello.txt", max_bytes: -1 }, PARAMS],
    ["zero max_bytes", "read_text", { path: "hello.txt", max_bytes: 0 }, PARAMS],
    ["max_bytes 1e15", "read_text", { path: "hello.txt", max_bytes: 1e15 }, PARAMS],
    ["fractional head", "read_text", { path: "hello.txt", head: 1.5 }, PARAMS],
    ["offset 0", "read_text", { path: "lines.txt", offset: 0 }, PARAMS],
    ["head and tail together", "read_text", { path: "lines.txt", head: 1, tail: 1 }, "INVALID_ARGUMENT"],
    ["max_entries 1e9", "list_dir", { max_entries: 1e9 }, PARAMS],
    ["max_depth 1000", "directory_tree", { max_depth: 1000 }, PARAMS],
    ["max_results -5", "search_text", { query: "a", max_results: -5 }, PARAMS],
    ["query of 100k chars", "search_text", { query: "a".repeat(100_000) }, PARAMS],
  ]),
  // wrong argument types
  ...family("types", [
    ["path is a number", "read_text", { path: 123 }, PARAMS],
    ["path is null", "read_text", { path: null }, PARAMS],
    ["path is an array", "read_text", { path: ["hello.txt"] }, PARAMS],
    ["path is an object", "get_file_info", { path: { toString: "hello.txt" } }, PARAMS],
    ["path missing", "read_text", {}, PARAMS],
    ["pattern is a number", "list_dir", { pattern: 5 }, PARAMS],
    ["max_bytes as a string", "read_text", { path: "hello.txt", max_bytes: "100" }, PARAMS],
    ["regex as a string", "search_text", { query: "a", regex: "yes" }, PARAMS],
    ["empty query", "search_text", { query: "" }, PARAMS],
    ["arguments is a string", "read_text", "hello.txt", "INTERNAL_RPC"],
    ["arguments is an array", "read_text", ["hello.txt"], "INTERNAL_RPC"],
    ["arguments is null", "list_dir", null, "INTERNAL_RPC"],
    ["a write tool does not exist", "write_file", { path: "x.txt", content: "x" }, PARAMS],
  ]),
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
