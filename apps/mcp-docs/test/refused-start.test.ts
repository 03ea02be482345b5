/**
 * A refused start answers with its one line before loading LanceDB, LangChain and fastmcp (~1 s of CPU that every
 * misconfigured start, script and test paid before).
 */
import { describe, expect, it } from "vitest";
import { HEAVY_PACKAGES, runRecordingImports } from "../../mcp-fileserver/test/imports.js";
import { MAIN } from "./helpers.js";

describe("a refused start of mcp-docs", () => {
  it.each([
    ["a bad --port", ["--transport", "http", "--port", "nope"], /--port must be an integer/],
    ["ingest without --root", ["ingest"], /--root/],
  ])("%s: one line, exit 2, no heavy module loaded", async (_name, args, message) => {
    const run = await runRecordingImports(MAIN, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    for (const heavy of HEAVY_PACKAGES) expect(run.packages).not.toContain(heavy);
  });
});
