/** Typed errors of the docs server. Messages never contain a host path or a secret. */
export type DocsErrorCode = "INVALID_ARGUMENT" | "NOT_FOUND" | "OTHER_COLLECTION" | "NOT_INGESTED" | "EMBEDDINGS" | "STORE" | "INTERNAL";

export class DocsError extends Error {
  readonly code: DocsErrorCode;
  constructor(code: DocsErrorCode, message: string) {
    super(message);
    this.name = "DocsError";
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

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
