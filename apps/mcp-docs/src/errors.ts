/** Typed errors of the docs server. Messages never contain a host path or a secret. */
import { CodedError, ConfigError } from "@acb/mcp-fileserver/errors";

export type DocsErrorCode =
  "INVALID_ARGUMENT" | "NOT_FOUND" | "OTHER_COLLECTION" | "NOT_INGESTED" | "EMBEDDINGS" | "STORE" | "INTERNAL";

export class DocsError extends CodedError<DocsErrorCode> {}

/** Bad configuration: the file server's class, so that the config readers both servers share throw this one. */
export { ConfigError };
