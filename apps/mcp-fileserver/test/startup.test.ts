/** Configuration failures (one clear line), stdio hygiene, several roots, and deny-list flags. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixture, type Fixture } from "./fixture.js";
import { call, connectStdio, firstText, spawnServer } from "./helpers.js";

let fx: Fixture;

beforeAll(async () => {
  fx = await createFixture();
});

afterAll(async () => {
  await fx.cleanup();
});

// Every case spawns its own server process and shares only the read-only fixture: they run concurrently.

async function failsToStart(args: string[], env: Record<string, string>, mentions: RegExp): Promise<void> {
  const p = spawnServer(args, env);
  p.child.stdin?.end();
  const code = await p.exited;
  expect(code).toBe(2);
  const lines = p.output().trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mentions);
}

describe.concurrent("bad configuration fails at start with one line naming the setting", () => {
  // the other rules are unit-tested in src/config.test.ts; these prove main.ts turns them into one line and exit 2
  it("no root", async () => {
    await failsToStart([], {}, /FILES_ROOT/);
  });
  it("a missing root (env)", async () => {
    await failsToStart([], { FILES_ROOT: `${fx.base}/missing` }, /FILES_ROOT .*does not exist/);
  });
  it("a missing root among several (flags)", async () => {
    await failsToStart(["--root", fx.root, "--root", `${fx.base}/missing`], {}, /--root .*missing does not exist/);
  });
  it("a non-loopback bind without a token", async () => {
    await failsToStart(
      ["--root", fx.root, "--transport", "http", "--host", "0.0.0.0"],
      { MCP_AUTH_TOKEN: "" },
      /--host 0\.0\.0\.0 .*MCP_AUTH_TOKEN/,
    );
  });
  it("an unknown flag", async () => {
    await failsToStart(["--root", fx.root, "--write-access"], {}, /write-access/);
  });
});

describe.concurrent("configuration errors never print a secret", () => {
  async function failsQuietly(
    args: string[],
    env: Record<string, string>,
    names: RegExp,
    secrets: string[],
  ): Promise<void> {
    const p = spawnServer(args, env);
    p.child.stdin?.end();
    expect(await p.exited).toBe(2);
    const out = p.output();
    expect(out).toMatch(names);
    for (const s of secrets) expect(out).not.toContain(s);
  }
  it.each([
    ["too short", "s3cr3t-short"],
    ["with a space", "s3cr3t value that is long enough"],
    ["with a control character", "s3cr3t-long-enough-\u0007-value"],
  ])("a bad MCP_AUTH_TOKEN (%s) is named, never shown", async (_why, token) => {
    await failsQuietly(["--root", fx.root, "--transport", "http"], { MCP_AUTH_TOKEN: token }, /MCP_AUTH_TOKEN/, [
      token,
      "s3cr3t",
    ]);
  });
  it("an allowed origin with credentials in it is shown without them", async () => {
    await failsQuietly(
      ["--root", fx.root, "--transport", "http"],
      { FILESERVER_ALLOWED_ORIGINS: "https://admin:0r1g1n-pw@app.example.com/path?key=q5ecret" },
      /FILESERVER_ALLOWED_ORIGINS/,
      ["0r1g1n-pw", "q5ecret", "admin"],
    );
  });
});

describe.concurrent("stdio", () => {
  it("writes nothing but protocol to stdout and exits when stdin closes", async () => {
    const p = spawnServer(["--root", fx.root]);
    let stdout = "";
    p.child.stdout?.on("data", (b: Buffer) => (stdout += b.toString()));
    await new Promise((r) => setTimeout(r, 300));
    p.child.stdin?.end();
    expect(await p.exited).toBe(0);
    expect(stdout).toBe("");
  });
});

describe.concurrent("several roots", () => {
  it("names each root by its directory and keeps them apart", async () => {
    const c = await connectStdio(["--root", fx.root, "--root", fx.root2]);
    const tree = await call(c.client, "directory_tree", { max_depth: 1 });
    expect((tree.structured?.entries as Array<{ path: string }>).map((e) => e.path)).toEqual(["root", "second"]);
    expect((await call(c.client, "read_text", { path: "second/other.txt" })).structured?.text).toBe("second root\n");
    expect((await call(c.client, "read_text", { path: "root/hello.txt" })).structured?.text).toBe("hello world\n");
    const escape = await call(c.client, "read_text", { path: "second/../root/hello.txt" });
    expect(firstText(escape)).toMatch(/^OUTSIDE_ROOT/);
    const unknown = await call(c.client, "read_text", { path: "third/x.txt" });
    expect(firstText(unknown)).toMatch(/^NOT_FOUND/);
    const found = await call(c.client, "search_files", { pattern: "other.txt" });
    expect(found.structured?.matches).toEqual([{ path: "second/other.txt", type: "file" }]);
    const denied = await call(c.client, "read_text", { path: "root/.env" });
    expect(firstText(denied)).toMatch(/^DENIED/);
    await c.close();
  });
});

describe.concurrent("caps", () => {
  it("search_text stops at its time cap and says so (root from FILES_ROOT)", async () => {
    const c = await connectStdio([], {
      FILES_ROOT: fx.root,
      FILESERVER_SEARCH_TIME_MS: "10",
      FILESERVER_SEARCH_MAX_FILE_BYTES: String(64 * 1024 * 1024),
    });
    expect((await call(c.client, "read_text", { path: "hello.txt" })).structured?.text).toBe("hello world\n");
    const o = await call(c.client, "search_text", { query: "no such text anywhere" });
    expect(o.structured).toMatchObject({ truncated: true, truncated_reason: "time" });
    expect(firstText(o)).toContain("[truncated: search stopped after 10 ms");
    await c.close();
  });

  it("--max-read-bytes lowers the largest max_bytes a client may ask for; --deny and --no-default-deny", async () => {
    const c = await connectStdio([
      "--root",
      fx.root,
      "--max-read-bytes",
      "2048",
      "--deny",
      "*.md",
      "--no-default-deny",
    ]);
    expect(firstText(await call(c.client, "read_text", { path: "notes.md" }))).toMatch(/^DENIED/);
    expect(firstText(await call(c.client, "read_text", { path: "docs/readme.md" }))).toMatch(/^DENIED/);
    expect((await call(c.client, "read_text", { path: ".env" })).structured?.text).toContain("in .env");
    expect((await call(c.client, "read_text", { path: "huge.txt", max_bytes: 2048 })).structured?.bytes).toBe(2048);
    expect((await call(c.client, "read_text", { path: "huge.txt", max_bytes: 2049 })).refused).toBe(true);
    expect((await call(c.client, "read_text", { path: "huge.txt" })).structured?.bytes).toBe(2048);
    await c.close();
  });
});

describe.concurrent("deny-list configuration", () => {
  it("FILESERVER_DENY adds to the defaults", async () => {
    const c = await connectStdio(["--root", fx.root], { FILESERVER_DENY: "docs/deep/,lines.txt" });
    expect(firstText(await call(c.client, "read_text", { path: "lines.txt" }))).toMatch(/^DENIED/);
    expect(firstText(await call(c.client, "read_text", { path: "docs/deep/a/b/c.txt" }))).toMatch(/^DENIED/);
    expect(firstText(await call(c.client, "read_text", { path: ".env" }))).toMatch(/^DENIED/);
    expect((await call(c.client, "read_text", { path: "docs/readme.md" })).refused).toBe(false);
    await c.close();
  });
});
