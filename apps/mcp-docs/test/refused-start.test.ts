/**
 * A refused start answers with its one line before loading LanceDB, LangChain and fastmcp (~1 s of CPU that every
 * misconfigured start, script and test paid before).
 */
import { describe, it } from "vitest";
import { expectCheapRefusal } from "../../mcp-fileserver/test/imports.js";
import { MAIN } from "./helpers.js";

describe("a refused start of mcp-docs", () => {
  it.each([
    ["a bad --port", ["--transport", "http", "--port", "nope"], /--port must be an integer/],
    ["ingest without --root", ["ingest"], /--root/],
  ])("%s: one line, exit 2, no heavy module loaded", async (_name, args, message) => {
    await expectCheapRefusal(MAIN, args, message);
  });
});
