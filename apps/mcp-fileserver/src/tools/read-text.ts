import { z } from "zod";
import { FsError } from "../errors.js";
import { readHeadBytes, readLineRange, readTailLines, type ReadResult } from "../text.js";
import { addReadOnlyTool, stopper, text, type Server, type ToolDeps } from "./common.js";

const LINES_MAX = 10_000_000;

/** The seed's `read_text(path, max_bytes=100000)`, plus an optional line range. */
export function registerReadText(server: Server, deps: ToolDeps): void {
  const { limits, policy } = deps;
  addReadOnlyTool(server, deps, {
    name: "read_text",
    description:
      `Read a UTF-8 text file under ROOT, at most max_bytes bytes (default ${limits.defaultReadBytes}, up to ${limits.maxReadBytes}). ` +
      "Optionally a line range: offset (1-based first line) and limit (line count), or head (first N lines), or tail (last N lines). " +
      "Binary files are refused. The result says when it was truncated.",
    title: "Read a text file",
    parameters: z.object({
      path: z.string().describe("File relative to the root"),
      max_bytes: z.number().int().min(1).max(limits.maxReadBytes).default(limits.defaultReadBytes),
      offset: z.number().int().min(1).max(LINES_MAX).optional().describe("First line to return (1-based)"),
      limit: z.number().int().min(1).max(LINES_MAX).optional().describe("Number of lines from offset"),
      head: z.number().int().min(1).max(LINES_MAX).optional().describe("Return the first N lines"),
      tail: z.number().int().min(1).max(LINES_MAX).optional().describe("Return the last N lines"),
    }),
    outputSchema: z.object({
      path: z.string(),
      text: z.string(),
      size: z.number().int(),
      bytes: z.number().int().describe("Bytes of the file returned"),
      truncated: z.boolean(),
      invalid_utf8: z.boolean().describe("Some bytes were not valid UTF-8 and were replaced by U+FFFD"),
      start_line: z.number().int().optional(),
      end_line: z.number().int().optional(),
      next_offset: z.number().int().optional().describe("offset that continues this range"),
      total_lines: z.number().int().optional(),
    }),
    run: async (args, signal) => {
      const modes = [
        args.offset !== undefined || args.limit !== undefined,
        args.head !== undefined,
        args.tail !== undefined,
      ].filter(Boolean).length;
      if (modes > 1) throw new FsError("INVALID_ARGUMENT", "use only one of offset/limit, head or tail");
      const target = await policy.resolve(args.path);
      const fh = await policy.openFile(target);
      const display = target.display;
      const stop = stopper(signal);
      let r: ReadResult;
      try {
        const size = (await fh.stat()).size;
        if (args.tail !== undefined)
          r = await readTailLines(fh, display, size, args.tail, args.max_bytes, limits.lineScanBytes, stop);
        else if (args.head !== undefined)
          r = await readLineRange(fh, display, size, 1, args.head, args.max_bytes, limits.lineScanBytes, stop);
        else if (args.offset !== undefined || args.limit !== undefined) {
          r = await readLineRange(
            fh,
            display,
            size,
            args.offset ?? 1,
            args.limit,
            args.max_bytes,
            limits.lineScanBytes,
            stop,
          );
        } else r = await readHeadBytes(fh, display, size, args.max_bytes);
        const structured = {
          path: display,
          text: r.text,
          size,
          bytes: r.bytes,
          truncated: r.truncated,
          invalid_utf8: r.invalidUtf8,
          ...(r.startLine !== undefined ? { start_line: r.startLine } : {}),
          ...(r.endLine !== undefined ? { end_line: r.endLine } : {}),
          ...(r.nextOffset !== undefined ? { next_offset: r.nextOffset } : {}),
          ...(r.totalLines !== undefined ? { total_lines: r.totalLines } : {}),
        };
        const notes: string[] = [];
        if (r.truncated) notes.push(`[truncated: ${r.note ?? "more content not shown"}; file is ${size} bytes]`);
        if (r.nextOffset !== undefined && !r.truncated)
          notes.push(`[more lines follow: continue with offset=${r.nextOffset}]`);
        return { content: text(r.text, ...notes), structuredContent: structured };
      } finally {
        await fh.close();
      }
    },
  });
}
