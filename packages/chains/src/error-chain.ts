/** Reading unknown thrown values: model errors (errors.ts) and MCP errors (mcp/errors.ts) classify failures alike. */

/** A property of an unknown thrown value, or undefined when it is not an object. */
export function field(err: unknown, key: string): unknown {
  return err !== null && typeof err === "object" ? (err as Record<string, unknown>)[key] : undefined;
}

/** The error and its causes, outermost first (bounded: a cause cycle cannot loop). */
export function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = err;
  for (let i = 0; i < 5 && current !== undefined && current !== null; i++) {
    out.push(current);
    current = field(current, "cause");
  }
  return out;
}

/** A duration for a public message: "30 s", "1.5 s". */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
