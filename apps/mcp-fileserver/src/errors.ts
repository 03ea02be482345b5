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

export class FsError extends Error {
  readonly code: FsErrorCode;
  constructor(code: FsErrorCode, message: string) {
    super(message);
    this.name = "FsError";
    this.code = code;
  }
}

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
