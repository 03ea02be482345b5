/**
 * The built server, driven by the official MCP SDK client over stdio and over streamable HTTP:
 * every tool's happy path, then the hostile corpus (one table, both transports).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoLeak, assertRefused, CORPUS } from "./corpus.js";
import { createFixture, type Fixture } from "./fixture.js";
import { call, connectOver, firstText, type Conn } from "./helpers.js";

let fx: Fixture;

beforeAll(async () => {
  fx = await createFixture();
});

afterAll(async () => {
  await fx.cleanup();
});

describe.each(["stdio", "http"] as const)("over %s", (kind) => {
  let conn: Conn;

  beforeAll(async () => {
    conn = await connectOver(kind, ["--root", fx.root]);
  });

  afterAll(async () => {
    await conn.close();
  });

  const ok = async (tool: string, args: unknown) => {
    const o = await call(conn.client, tool, args);
    expect(o.refused, o.text.slice(0, 400)).toBe(false);
    assertNoLeak(o, fx);
    return o;
  };

  describe("happy paths", () => {
    it("lists the six read-only tools with output schemas", async () => {
      const { tools } = await conn.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        "directory_tree",
        "get_file_info",
        "list_dir",
        "read_text",
        "search_files",
        "search_text",
      ]);
      for (const t of tools) {
        expect(t.annotations?.readOnlyHint).toBe(true);
        expect(t.annotations?.destructiveHint).toBe(false);
        expect(t.outputSchema?.type).toBe("object");
      }
      const listDir = tools.find((t) => t.name === "list_dir");
      expect(listDir?.inputSchema.properties).toHaveProperty("path");
      expect(listDir?.inputSchema.properties).toHaveProperty("pattern");
      const readText = tools.find((t) => t.name === "read_text");
      expect(readText?.inputSchema.required).toEqual(["path"]);
      expect(readText?.inputSchema.properties).toHaveProperty("max_bytes");
    });

    it("list_dir with the seed's defaults returns file names as a JSON array", async () => {
      const o = await ok("list_dir", {});
      const names = JSON.parse(firstText(o)) as string[];
      expect(names).toContain("hello.txt");
      expect(names).toContain("notes.md");
      expect(names).toContain("in_link.txt"); // link to a file inside the root
      expect(names).not.toContain("docs"); // files only, like the seed
      expect(names).not.toContain("fifo");
      expect(o.structured?.truncated).toBe(false);
    });

    it("list_dir filters with a glob, recursively with **, and says when truncated", async () => {
      expect((await ok("list_dir", { pattern: "*.md" })).structured?.files).toEqual(["notes.md"]);
      expect((await ok("list_dir", { path: "docs", pattern: "*.md" })).structured?.files).toEqual([
        "guide.md",
        "readme.md",
      ]);
      const deep = await ok("list_dir", { path: "docs", pattern: "**/*.txt" });
      expect(deep.structured?.files).toEqual(["deep/a/b/c.txt"]);
      const capped = await ok("list_dir", { path: "many", max_entries: 5 });
      expect(capped.structured?.files).toHaveLength(5);
      expect(capped.structured?.truncated).toBe(true);
      expect(capped.structured?.total_matched).toBe(30);
      expect(o(capped)).toContain("[truncated");
    });

    it("read_text returns UTF-8 text, capped at max_bytes on a character boundary", async () => {
      const o1 = await ok("read_text", { path: "hello.txt" });
      expect(firstText(o1)).toBe("hello world\n");
      expect(o1.structured).toMatchObject({ path: "hello.txt", size: 12, truncated: false });
      const o2 = await ok("read_text", { path: "unicode.txt", max_bytes: 2 });
      expect(o2.structured?.text).toBe("h");
      expect(o2.structured?.truncated).toBe(true);
      expect(String(o2.structured?.text)).not.toContain("\ufffd");
      const o3 = await ok("read_text", { path: "unicode.txt", max_bytes: 9 });
      expect(o3.structured?.text).toBe("héllo w");
    });

    it("read_text reads line ranges: offset/limit, head, tail", async () => {
      const r = await ok("read_text", { path: "lines.txt", offset: 10, limit: 3 });
      expect(r.structured).toMatchObject({
        text: "line 10\nline 11\nline 12\n",
        start_line: 10,
        end_line: 12,
        next_offset: 13,
      });
      const h = await ok("read_text", { path: "lines.txt", head: 2 });
      expect(h.structured?.text).toBe("line 1\nline 2\n");
      const t = await ok("read_text", { path: "lines.txt", tail: 2 });
      expect(t.structured).toMatchObject({
        text: "line 999\nline 1000\n",
        start_line: 999,
        end_line: 1000,
        total_lines: 1000,
      });
      const last3 = await ok("read_text", { path: "lines.txt", offset: 998, limit: 3 });
      expect(last3.structured).toMatchObject({ text: "line 998\nline 999\nline 1000\n", end_line: 1000 });
      expect(last3.structured?.next_offset).toBeUndefined();
      const end = await ok("read_text", { path: "lines.txt", offset: 999 });
      expect(end.structured).toMatchObject({ text: "line 999\nline 1000\n", total_lines: 1000 });
      const capped = await ok("read_text", { path: "lines.txt", offset: 1, limit: 100, max_bytes: 20 });
      expect(capped.structured?.truncated).toBe(true);
      expect(String(capped.structured?.text).length).toBeLessThanOrEqual(20);
    });

    it("read_text follows links that stay inside the root", async () => {
      for (const p of ["in_link.txt", "abs_in", "chain1", "self_link/hello.txt"]) {
        expect((await ok("read_text", { path: p })).structured?.text).toBe("hello world\n");
      }
      expect((await ok("read_text", { path: "dir_link/readme.md" })).structured?.text).toContain("Read me first.");
    });

    it("get_file_info describes files, directories, links and special files", async () => {
      const f = await ok("get_file_info", { path: "hello.txt" });
      expect(f.structured).toMatchObject({ path: "hello.txt", type: "file", size: 12, binary: false });
      const b = await ok("get_file_info", { path: "binary.bin" });
      expect(b.structured?.binary).toBe(true);
      const d = await ok("get_file_info", { path: "docs" });
      expect(d.structured?.type).toBe("directory");
      const l = await ok("get_file_info", { path: "in_link.txt" });
      expect(l.structured).toMatchObject({ path: "in_link.txt", resolved_path: "hello.txt", type: "file" });
      const fifo = await ok("get_file_info", { path: "fifo" });
      expect(fifo.structured?.type).toBe("fifo");
    });

    it("directory_tree respects depth and entry caps", async () => {
      const t = await ok("directory_tree", { path: "docs", max_depth: 2 });
      const paths = (t.structured?.entries as Array<{ path: string }>).map((e) => e.path);
      expect(paths).toEqual(["deep", "deep/a", "guide.md", "readme.md"]);
      expect(t.structured?.truncated).toBe(false);
      const capped = await ok("directory_tree", { max_entries: 3 });
      expect(capped.structured?.entries).toHaveLength(3);
      expect(capped.structured?.truncated).toBe(true);
      expect(firstText(capped)).toContain("[truncated");
    });

    it("search_files finds names by glob and returns root-relative paths", async () => {
      const s = await ok("search_files", { pattern: "*.md" });
      const paths = (s.structured?.matches as Array<{ path: string }>).map((m) => m.path);
      expect(paths).toEqual(["docs/guide.md", "docs/readme.md", "notes.md"]);
      const deep = await ok("search_files", { pattern: "docs/**/c.txt" });
      expect(deep.structured?.matches).toEqual([{ path: "docs/deep/a/b/c.txt", type: "file" }]);
      const capped = await ok("search_files", { pattern: "f*.txt", max_results: 4 });
      expect(capped.structured?.matches).toHaveLength(4);
      expect(capped.structured?.truncated).toBe(true);
    });

    it("search_text finds literal text and opt-in regexes, with caps", async () => {
      const lit = await ok("search_text", { query: "needle", case_sensitive: false });
      const hits = (lit.structured?.matches as Array<{ path: string; line: number }>).map((m) => `${m.path}:${m.line}`);
      expect(hits).toEqual(["docs/deep/a/b/c.txt:1", "docs/readme.md:2"]);
      const dotIsLiteral = await ok("search_text", { query: "line 1.", include: "lines.txt" });
      expect(dotIsLiteral.structured?.matches).toEqual([]);
      const re = await ok("search_text", { query: "^line 99[0-9]$", regex: true, include: "lines.txt" });
      expect((re.structured?.matches as unknown[]).length).toBe(10);
      const capped = await ok("search_text", { query: "line", include: "lines.txt", max_results: 3 });
      expect(capped.structured).toMatchObject({ truncated: true, truncated_reason: "max_results" });
      expect(capped.structured?.matches).toHaveLength(3);
      const skipped = await ok("search_text", { query: "zzz", max_depth: 1 });
      expect(Number(skipped.structured?.files_skipped)).toBeGreaterThan(0); // binary, huge and sparse files
    });
  });

  describe("hostile corpus", () => {
    it.each(CORPUS.map((c) => [`${c.family}: ${c.name}`, c] as const))("%s", async (_label, c) => {
      const o = await call(conn.client, c.tool, c.args(fx));
      assertNoLeak(o, fx);
      if (c.check !== undefined) c.check(o, fx);
      else assertRefused(o, c.code ?? "");
      if (c.maxMs !== undefined) expect(o.ms).toBeLessThan(c.maxMs);
    });

    it("a path outside the root gets the same answer whether or not it exists", async () => {
      const pairs: Array<[string, string, string]> = [
        ["read_text", "../outside/secret.txt", "../outside/nope.txt"],
        ["read_text", "/etc/passwd", "/etc/does-not-exist"],
        ["get_file_info", `${fx.evil}/secret.txt`, `${fx.evil}/nope.txt`],
        ["list_dir", "../root_evil", "../no_such_dir"],
      ];
      for (const [tool, a, b] of pairs) {
        const oa = await call(conn.client, tool, { path: a });
        const ob = await call(conn.client, tool, { path: b });
        expect(oa.refused).toBe(true);
        expect(oa.text).toBe(ob.text);
      }
      const linkPairs: Array<[string, string]> = [
        ["out_rel", "out_missing"],
        ["out_abs", "out_abs_missing"],
      ];
      for (const [a, b] of linkPairs) {
        for (const tool of ["read_text", "get_file_info", "list_dir"]) {
          const oa = await call(conn.client, tool, { path: a });
          const ob = await call(conn.client, tool, { path: b });
          expect(oa.refused).toBe(true);
          expect(oa.text.replaceAll(a, "X")).toBe(ob.text.replaceAll(b, "X"));
        }
      }
    });

    it("the server is still healthy after the corpus", async () => {
      const o = await ok("read_text", { path: "hello.txt" });
      expect(o.structured?.text).toBe("hello world\n");
      expect(conn.output()).not.toMatch(/Unhandled|uncaught/i);
    });
  });
});

function o(x: { text: string }): string {
  return x.text;
}
