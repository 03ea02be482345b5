import { randomBytes } from "node:crypto";

/** A fresh turn id: 20 url-safe random characters, valid for `TurnId`. */
export function newTurnId(): string {
  return randomBytes(15).toString("base64url");
}

/** A stream entry id `<ms>-<seq>`; anything else is not a valid resume point. */
export const ENTRY_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;

/** Compares two decimal strings without leading zeros: the longer is larger, else the text order. */
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders entry ids (`"0"` is the start). On the hot path of every delivered event, so it allocates nothing
 * and parses nothing: ids are compared as two decimal strings.
 */
export function compareEntryIds(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf("-");
  const db = b.indexOf("-");
  const ma = da === -1 ? a : a.slice(0, da);
  const mb = db === -1 ? b : b.slice(0, db);
  const byMs = compareDecimal(stripZeros(ma), stripZeros(mb));
  if (byMs !== 0) return byMs;
  return compareDecimal(stripZeros(da === -1 ? "0" : a.slice(da + 1)), stripZeros(db === -1 ? "0" : b.slice(db + 1)));
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}
