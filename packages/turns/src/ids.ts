import { randomBytes } from "node:crypto";

/** A fresh turn id: 20 url-safe random characters, valid for `TurnId`. */
export function newTurnId(): string {
  return randomBytes(15).toString("base64url");
}

/** A stream entry id `<ms>-<seq>`; anything else is not a valid resume point. */
export const ENTRY_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;

export function parseEntryId(id: string): readonly [bigint, bigint] | undefined {
  if (id === "0") return [0n, 0n];
  if (!ENTRY_ID_PATTERN.test(id)) return undefined;
  const [ms, seq] = id.split("-");
  return [BigInt(ms ?? "0"), BigInt(seq ?? "0")];
}

export function compareEntryIds(a: string, b: string): number {
  const pa = parseEntryId(a) ?? [0n, 0n];
  const pb = parseEntryId(b) ?? [0n, 0n];
  if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
  if (pa[1] !== pb[1]) return pa[1] < pb[1] ? -1 : 1;
  return 0;
}
