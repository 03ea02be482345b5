import { z } from "zod";
import { describeKind } from "../paths.js";
import { sniffBinary } from "../text.js";
import { addReadOnlyTool, text, type Server, type ToolDeps } from "./common.js";

export function registerFileInfo(server: Server, deps: ToolDeps): void {
  const { limits, policy } = deps;
  addReadOnlyTool(server, deps, {
    name: "get_file_info",
    description:
      "Describe a file or directory under ROOT: type, size, times, permissions, whether a file looks binary, and where a symbolic link inside the root leads.",
    title: "File information",
    parameters: z.object({ path: z.string().describe("Path relative to the root") }),
    outputSchema: z.object({
      path: z.string(),
      resolved_path: z
        .string()
        .describe("Where the path leads inside the root (differs from path through symbolic links)"),
      type: z.string(),
      size: z.number().int(),
      modified: z.string(),
      created: z.string(),
      accessed: z.string(),
      permissions: z.string(),
      binary: z.boolean().optional(),
    }),
    run: async (args) => {
      const t = await policy.resolve(args.path);
      if (t.kind === "top") {
        const info = {
          path: ".",
          resolved_path: ".",
          type: "directory",
          size: 0,
          modified: "",
          created: "",
          accessed: "",
          permissions: "0555",
        };
        return { content: text(JSON.stringify(info, null, 2)), structuredContent: info };
      }
      const st = t.stat;
      let binary: boolean | undefined;
      if (st.isFile()) {
        const fh = await policy.openFile(t);
        try {
          binary = await sniffBinary(fh);
        } finally {
          await fh.close();
        }
      }
      const asked =
        args.path
          .split("/")
          .filter((s) => s !== "" && s !== ".")
          .join("/") || ".";
      const info = {
        path: asked,
        resolved_path: t.display,
        type: describeKind(st),
        size: st.size,
        modified: st.mtime.toISOString(),
        created: st.birthtime.toISOString(),
        accessed: st.atime.toISOString(),
        permissions: `0${(st.mode & 0o777).toString(8)}`,
        ...(binary !== undefined ? { binary } : {}),
      };
      return { content: text(JSON.stringify(info, null, 2)), structuredContent: info };
    },
  });
}
