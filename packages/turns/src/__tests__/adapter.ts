import { afterAll, beforeAll } from "vitest";

/**
 * The adapter a contract suite tests: made once before the suite's tests and closed after them. Call it inside
 * the suite's `describe`; the getter it returns gives the adapter from inside a test.
 */
export function useAdapter<T extends { close(): Promise<void> }>(make: () => Promise<T>): () => T {
  let adapter: T | undefined;
  beforeAll(async () => {
    adapter = await make();
  });
  afterAll(async () => adapter?.close());
  return () => {
    if (adapter === undefined) throw new Error("the adapter is made in beforeAll: use it inside a test");
    return adapter;
  };
}
