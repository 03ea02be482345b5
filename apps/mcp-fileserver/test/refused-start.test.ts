/**
 * A refused start (bad flag, missing root) answers with one line on stderr before loading fastmcp, the MCP SDK or
 * OpenTelemetry: those cost ~0.4 s of CPU, paid by every misconfigured start, script and test before.
 */
import { describe, expect, it } from "vitest";
import { MAIN } from "./helpers.js";
import { expectCheapRefusal, runRecordingImports } from "./imports.js";

describe("a refused start of the file server", () => {
  it.each([
    ["a bad --port", ["--root", ".", "--transport", "http", "--port", "nope"], /--port must be an integer/],
    ["a root that does not exist", ["--root", "/nonexistent/dir"], /--root \/nonexistent\/dir does not exist/],
  ])("%s: one line, exit 2, no heavy module loaded", async (_name, args, message) => {
    await expectCheapRefusal(MAIN, args, message);
  });

  it("a start that is accepted does load them (the recording sees what a start imports)", async () => {
    // stdio with stdin closed: the server starts, then exits when its input ends
    const run = await runRecordingImports(MAIN, ["--root", "."]);
    expect(run.packages).toContain("fastmcp");
    expect(run.packages).toContain("@modelcontextprotocol/sdk");
  });
});
