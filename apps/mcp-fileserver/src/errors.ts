/** Typed errors of the file server. Messages never contain a host path: only paths relative to a root. */
export type FsErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "OUTSIDE_ROOT"
  | "LINK_REFUSED"
  | "DENIED"
  | "NOT_A_FILE"
  | "NOT_A_DIRECTORY"
  | "BINARY"
  | "CHANGED"
  | "TIMEOUT"
  | "INTERNAL";

/** An error with a machine-readable code (the servers' tool errors: FsError here, DocsError in mcp-docs). */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export class FsError extends CodedError<FsErrorCode> {}

/** `--help`: the usage text is the message; the process prints it and exits 0. */
export class HelpRequested extends Error {}

/** Bad configuration: one line naming the variable or flag. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function errnoCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}
