import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_DENY } from "./deny.js";
import { HelpRequested, isLoopbackHost, loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { resolveRoots } from "./paths.js";

const env = { FILES_ROOT: "/srv/files" };

function fails(argv: string[], e: Record<string, string>, mentions: RegExp): void {
  let caught: unknown;
  try {
    loadConfig(argv, e);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as Error).message).toMatch(mentions);
  expect((caught as Error).message).not.toContain("\n");
}

describe("loadConfig", () => {
  it("has safe defaults", () => {
    const c = loadConfig([], env);
    expect(c).toMatchObject({ roots: ["/srv/files"], rootsFrom: "FILES_ROOT", transport: "stdio" });
    expect(c.http).toMatchObject({ host: "127.0.0.1", port: 8080, token: undefined });
    expect(c.deny).toEqual([...DEFAULT_DENY]);
    expect(c.limits.defaultReadBytes).toBe(100_000);
  });

  it("lets repeated --root win over FILES_ROOT", () => {
    const c = loadConfig(["--root", "/a", "--root", "/b"], env);
    expect(c.roots).toEqual(["/a", "/b"]);
    expect(c.rootsFrom).toBe("--root");
  });

  it("accepts the transport by flag or env, in the seed's spelling too", () => {
    expect(loadConfig(["--transport", "http"], env).transport).toBe("http");
    expect(loadConfig([], { ...env, FILESERVER_TRANSPORT: "streamable_http" }).transport).toBe("http");
  });

  it("allows a non-loopback bind with a token", () => {
    const c = loadConfig(["--transport", "http", "--host", "0.0.0.0"], {
      ...env,
      MCP_AUTH_TOKEN: "a-long-enough-token",
    });
    expect(c.http.token).toBe("a-long-enough-token");
  });

  it("caps the default read size at the configured maximum", () => {
    expect(loadConfig(["--max-read-bytes", "2048"], env).limits.defaultReadBytes).toBe(2048);
  });

  it.each([
    [[], {}, /FILES_ROOT \(or --root\) is required/],
    [["--port", "99999"], env, /--port/],
    [[], { ...env, FILESERVER_PORT: "http" }, /FILESERVER_PORT/],
    [[], { ...env, FILESERVER_TRANSPORT: "carrier-pigeon" }, /FILESERVER_TRANSPORT/],
    [["--transport", "http"], { ...env, MCP_AUTH_TOKEN: "short" }, /MCP_AUTH_TOKEN/],
    [["--transport", "http", "--host", "10.0.0.5"], env, /--host 10\.0\.0\.5 .*MCP_AUTH_TOKEN/],
    [[], { ...env, FILESERVER_MAX_READ_BYTES: "lots" }, /FILESERVER_MAX_READ_BYTES/],
    [["--max-entries", "-1"], env, /--max-entries/],
    [["--allowed-origin", "https://x.example/path"], env, /--allowed-origin/],
    [["--deny", "../x"], env, /--deny/],
    [[], { ...env, LOG_LEVEL: "chatty" }, /LOG_LEVEL/],
    [["--write-access"], env, /write-access/],
  ])("refuses %j %j", (argv, e, mentions) => {
    fails(argv, e as Record<string, string>, mentions);
  });

  it("--help is not an error", () => {
    expect(() => loadConfig(["--help"], env)).toThrow(HelpRequested);
  });

  it("knows loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["0.0.0.0", "10.0.0.1", "::", "example.com", "localhost.evil.example"])
      expect(isLoopbackHost(h)).toBe(false);
  });
});

describe("resolveRoots", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "mcpfs-roots-")));
  writeFileSync(join(base, "file"), "x");
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("realpaths roots and names them", async () => {
    const roots = await resolveRoots([base, `${base}/.`]);
    expect(roots.map((r) => r.real)).toEqual([base, base]);
    expect(roots[1]?.name).toBe(`${roots[0]?.name}-2`);
  });

  it.each([["missing"], ["file"]])("refuses a root that is %s", async (what) => {
    await expect(resolveRoots([join(base, what)])).rejects.toThrow();
  });

  it("refuses the file system root", async () => {
    await expect(resolveRoots(["/"])).rejects.toThrow(/file system root/);
  });
});
