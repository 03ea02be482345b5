import { UserError, type ContentResult, type FastMCP } from "fastmcp";
import type { z } from "zod";
import type { Limits } from "../config.js";
import { CodedError, FsError } from "../errors.js";
import { errorMessage, type Logger } from "@acb/logger";
import type { PathPolicy } from "../paths.js";
import type { ServedToolInstrument } from "@acb/telemetry";

export interface ToolDeps {
  readonly policy: PathPolicy;
  readonly limits: Limits;
  readonly log: Logger;
  /** Wraps every tool call (metrics, a span); see @acb/telemetry instrumentServedTools. */
  readonly instrument?: ServedToolInstrument;
}

export type Server = FastMCP;

const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

/** A tool of this server: name, title and description for the model, its input and output schemas, its body. */
export interface ReadOnlyTool<P extends z.ZodType> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly parameters: P;
  readonly outputSchema: z.ZodType;
  readonly run: (args: z.output<P>, signal: AbortSignal) => Promise<ContentResult>;
}

/** What running a tool needs of a server's deps (the file server's, mcp-docs'): its time limit, log, instrument. */
export type ToolCallDeps = Pick<ToolDeps, "log" | "instrument"> & {
  readonly limits: { readonly toolTimeoutMs: number };
};

/** Every tool here reads only: READ_ONLY hints under its title, the tool timeout, its body `guarded`. */
export function addReadOnlyTool<P extends z.ZodType>(server: Server, deps: ToolCallDeps, tool: ReadOnlyTool<P>): void {
  server.addTool({
    name: tool.name,
    description: tool.description,
    annotations: { ...READ_ONLY, title: tool.title },
    timeoutMs: deps.limits.toolTimeoutMs,
    parameters: tool.parameters,
    outputSchema: tool.outputSchema,
    // fastmcp types `args` by Standard Schema; for a zod schema that is its z.output.
    execute: (args, ctx) => guarded(tool.name, deps, () => tool.run(args as z.output<P>, ctx.signal)),
  });
}

/**
 * Runs a tool body: typed errors become a clear tool error (isError) with the code first; anything
 * unexpected is logged on the server and answered with a generic message (no host path, no stack).
 */
async function guarded(name: string, deps: ToolCallDeps, body: () => Promise<ContentResult>): Promise<ContentResult> {
  return deps.instrument !== undefined
    ? deps.instrument(name, () => answer(name, deps, body))
    : answer(name, deps, body);
}

async function answer(name: string, deps: ToolCallDeps, body: () => Promise<ContentResult>): Promise<ContentResult> {
  try {
    return await body();
  } catch (err) {
    // FsError here, DocsError in mcp-docs: a typed refusal the client can act on, its code first.
    if (err instanceof CodedError) throw new UserError(`${err.code}: ${err.message}`);
    if (err instanceof UserError) throw err;
    deps.log.error("tool failed", { tool: name, error: errorMessage(err) });
    throw new UserError("INTERNAL: the operation failed");
  }
}

export function stopper(signal: AbortSignal, deadline = Number.POSITIVE_INFINITY): () => boolean {
  return () => signal.aborted || Date.now() > deadline;
}

export function timeoutError(what: string): FsError {
  return new FsError("TIMEOUT", `${what} took too long`);
}

export function text(...parts: string[]): ContentResult["content"] {
  return parts.map((t) => ({ type: "text" as const, text: t }));
}
