import { describe, expect, it } from "vitest";
import { DenyList, DEFAULT_DENY } from "./deny.js";
import { FsError } from "./errors.js";
import { compileGlob } from "./glob.js";

describe("glob", () => {
  it.each([
    ["*", "a.txt", true],
    ["*", "dir/a.txt", false],
    ["*.md", "README.md", true],
    ["*.md", "README.mdx", false],
    ["?.txt", "a.txt", true],
    ["?.txt", "ab.txt", false],
    ["[ab]*.txt", "b1.txt", true],
    ["[!ab]*.txt", "b1.txt", false],
    ["[a-c].txt", "c.txt", true],
    ["{x,y}.txt", "y.txt", true],
    ["**/*.ts", "src/a/b.ts", true],
    ["**/*.ts", "b.ts", true],
    ["src/**", "src/a/b.ts", true],
    ["src/*/b.ts", "src/a/b.ts", true],
    ["src/*/b.ts", "src/a/c/b.ts", false],
    ["*", ".hidden", true],
    ["日本*", "日本語.txt", true],
    ["?.txt", "🎉.txt", true],
  ])("%s vs %s -> %s", (pattern, path, expected) => {
    expect(compileGlob(pattern).match(path)).toBe(expected);
  });

  it.each(["../*", "/etc/*", "{..,a}/*", "{.,x}./*", "a\\b", "", "{a,b", "x".repeat(600)])("refuses %j", (pattern) => {
    expect(() => compileGlob(pattern)).toThrow(FsError);
  });

  it("matches pathological patterns in linear time", () => {
    const g = compileGlob(`${"*a".repeat(30)}*b`);
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) expect(g.match("a".repeat(250))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("deny-list", () => {
  const deny = new DenyList([...DEFAULT_DENY, "config/secrets/*"]);
  it.each([
    [[".env"], true],
    [["a", ".env.production"], true],
    [["certs", "server.pem"], true],
    [[".git", "config"], true],
    [["id_rsa.pub"], false],
    [["id_rsa"], true],
    [["keys", "id_ed25519_work"], true],
    [["id_card.txt"], false],
    [[".ssh", "id_rsa.pub"], true],
    [[".docker", "config.json"], true],
    [["deploy", ".docker", "config.json"], true],
    [[".docker", "daemon.json"], false],
    [["home", ".config", "gcloud", "x.json"], true],
    [["aws_credentials.csv"], true],
    [["config", "secrets", "db.json"], true],
    [["config", "public.json"], false],
    [["environment.txt"], false],
    [[".ENV"], true],
    [["Server.PEM"], true],
    [[".Git", "config"], true],
    [["src", "git.ts"], false],
  ])("%j -> %s", (segments, expected) => {
    expect(deny.isDenied(segments)).toBe(expected);
  });
});
