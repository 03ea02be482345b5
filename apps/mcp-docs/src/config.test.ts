import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

/** The serving settings are read by the file server's loadServing: the same names, checks and secret-safe errors. */
describe("mcp-docs serve config", () => {
  const fail = (argv: string[], env: Record<string, string>): ConfigError => {
    try {
      loadConfig(argv, env);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error("loadConfig accepted it");
  };

  it("reads DOCS_* serving variables, flags first", () => {
    const c = loadConfig(["--port", "9000"], {
      DOCS_TRANSPORT: "http",
      DOCS_PORT: "8999",
      DOCS_ALLOWED_ORIGINS: "https://a.example, https://b.example",
    });
    if (c.command !== "serve") throw new Error("expected serve");
    expect(c.transport).toBe("http");
    expect(c.http.port).toBe(9000);
    expect(c.http.host).toBe("127.0.0.1");
    expect(c.http.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
  });

  it("refuses a non-loopback address without MCP_AUTH_TOKEN, naming the variable", () => {
    expect(fail([], { DOCS_TRANSPORT: "http", DOCS_HOST: "0.0.0.0" }).message).toBe(
      "DOCS_HOST 0.0.0.0 is not a loopback address: set MCP_AUTH_TOKEN before serving beyond this machine",
    );
  });

  it("never echoes a rejected MCP_AUTH_TOKEN in the error", () => {
    const token = "short secret";
    const err = fail([], { MCP_AUTH_TOKEN: token });
    expect(err.message).toContain("MCP_AUTH_TOKEN must be 16 or more printable characters");
    expect(err.message).not.toContain(token);
  });
});

describe("mcp-docs ingest config", () => {
  it("reads --rebuild with the other flags, in any position", () => {
    const root = process.cwd();
    const rebuildOf = (argv: string[]): boolean => {
      const c = loadConfig(argv, {});
      if (c.command !== "ingest") throw new Error("expected ingest");
      return c.rebuild;
    };
    expect(rebuildOf(["ingest", "--root", root])).toBe(false);
    expect(rebuildOf(["ingest", "--rebuild", "--root", root])).toBe(true);
    expect(rebuildOf(["ingest", "--root", root, "--rebuild"])).toBe(true);
  });
});
