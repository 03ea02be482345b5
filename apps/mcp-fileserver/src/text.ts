/** Reading text out of an already validated, already opened regular file. */
import type { FileHandle } from "node:fs/promises";
import { FsError } from "./errors.js";

const CHUNK = 64 * 1024;
export const SNIFF_BYTES = 8 * 1024;

export function looksBinary(buf: Uint8Array): boolean {
  return buf.includes(0);
}

/** Length of `buf` without a trailing, incomplete UTF-8 sequence. */
export function utf8Boundary(buf: Buffer, end = buf.length): number {
  let i = end;
  let back = 0;
  while (i > 0 && back < 4) {
    const b = buf[i - 1] ?? 0;
    if ((b & 0xc0) !== 0x80) {
      // lead byte (or ASCII) at i-1: how long should its sequence be?
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return back + 1 >= need ? end : i - 1;
    }
    i--;
    back++;
  }
  return end;
}

/** Start index of the first complete UTF-8 sequence at or after `start`. */
function utf8Start(buf: Buffer, start: number): number {
  let i = start;
  while (i < buf.length && ((buf[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}

const strict = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8", { fatal: false });

export function decode(buf: Uint8Array): { text: string; invalidUtf8: boolean } {
  try {
    return { text: strict.decode(buf), invalidUtf8: false };
  } catch {
    return { text: lenient.decode(buf), invalidUtf8: true };
  }
}

function binary(display: string, size: number): FsError {
  return new FsError("BINARY", `'${display}' looks like a binary file (${size} bytes); only UTF-8 text is returned`);
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

export interface ReadResult {
  readonly text: string;
  readonly bytes: number;
  readonly truncated: boolean;
  readonly invalidUtf8: boolean;
  readonly startLine?: number;
  readonly endLine?: number;
  readonly nextOffset?: number;
  readonly totalLines?: number;
  readonly note?: string;
}

/** The first `maxBytes` bytes (cut on a character boundary), like the seed's `read_bytes()[:max_bytes]`. */
export async function readHeadBytes(
  fh: FileHandle,
  display: string,
  size: number,
  maxBytes: number,
): Promise<ReadResult> {
  // size bounds the buffer; reading one byte more than asked tells a file that grew (or is longer) apart
  const raw = await readAt(fh, 0, Math.min(maxBytes, size) + 1);
  const truncated = raw.length > maxBytes;
  const body = truncated ? raw.subarray(0, utf8Boundary(raw, maxBytes)) : raw;
  if (looksBinary(body)) throw binary(display, size);
  const { text, invalidUtf8 } = decode(body);
  return {
    text,
    bytes: body.length,
    truncated,
    invalidUtf8,
    ...(truncated ? { note: `truncated at ${body.length} of ${size} bytes` } : {}),
  };
}

/** Lines [offset, offset+limit) (1-based), at most `maxBytes` of output, scanning at most `scanCap` bytes. */
export async function readLineRange(
  fh: FileHandle,
  display: string,
  size: number,
  offset: number,
  limit: number | undefined,
  maxBytes: number,
  scanCap: number,
  stop: () => boolean,
): Promise<ReadResult> {
  const last = limit === undefined ? Number.POSITIVE_INFINITY : offset + limit - 1;
  const out: Buffer[] = [];
  let outBytes = 0;
  let line = 1;
  let pos = 0;
  let firstIncluded: number | undefined;
  let lastIncluded: number | undefined;
  let truncated = false;
  let note: string | undefined;
  let eof = false;
  let done = false;
  let endByte = -1;
  while (!done) {
    if (stop()) throw new FsError("TIMEOUT", `reading '${display}' took too long`);
    if (pos >= scanCap) {
      truncated = true;
      note = `stopped after scanning ${pos} bytes`;
      break;
    }
    const chunk = await readAt(fh, pos, CHUNK);
    if (chunk.length === 0) {
      eof = true;
      break;
    }
    if (looksBinary(chunk)) throw binary(display, size);
    let s = 0;
    while (s < chunk.length) {
      const nl = chunk.indexOf(10, s);
      const e = nl < 0 ? chunk.length : nl + 1;
      if (line >= offset && line <= last) {
        let piece = chunk.subarray(s, e);
        if (outBytes + piece.length > maxBytes) {
          piece = piece.subarray(0, utf8Boundary(piece, maxBytes - outBytes));
          truncated = true;
          note = `output capped at ${maxBytes} bytes`;
        }
        if (piece.length > 0) {
          out.push(piece);
          outBytes += piece.length;
          firstIncluded ??= line;
          lastIncluded = line;
        }
        if (truncated) {
          done = true;
          break;
        }
      }
      if (nl < 0) break;
      line++;
      s = e;
      if (line > last) {
        endByte = pos + e;
        done = true;
        break;
      }
    }
    pos += chunk.length;
  }
  const { text, invalidUtf8 } = decode(Buffer.concat(out));
  const endsWithNewline = eof && size > 0 && (await readAt(fh, size - 1, 1))[0] === 10;
  const totalLines = eof ? (endsWithNewline ? line - 1 : pos === 0 ? 0 : line) : undefined;
  const more =
    endByte >= 0
      ? endByte < size
      : !eof || (lastIncluded !== undefined && totalLines !== undefined && lastIncluded < totalLines);
  return {
    text,
    bytes: outBytes,
    truncated,
    invalidUtf8,
    ...(firstIncluded !== undefined ? { startLine: firstIncluded, endLine: lastIncluded ?? firstIncluded } : {}),
    ...(more && lastIncluded !== undefined && !truncated ? { nextOffset: lastIncluded + 1 } : {}),
    ...(totalLines !== undefined ? { totalLines } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

/** The last `n` lines, at most `maxBytes` of output. */
export async function readTailLines(
  fh: FileHandle,
  display: string,
  size: number,
  n: number,
  maxBytes: number,
  scanCap: number,
  stop: () => boolean,
): Promise<ReadResult> {
  if (size === 0) return { text: "", bytes: 0, truncated: false, invalidUtf8: false, totalLines: 0 };
  const endsWithNewline = (await readAt(fh, size - 1, 1))[0] === 10;
  const need = n + (endsWithNewline ? 1 : 0);
  const chunks: Buffer[] = [];
  let pos = size;
  let newlines = 0;
  let scanned = 0;
  while (pos > 0 && newlines < need && scanned < Math.min(scanCap, maxBytes + CHUNK)) {
    if (stop()) throw new FsError("TIMEOUT", `reading '${display}' took too long`);
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const chunk = await readAt(fh, pos, len);
    if (looksBinary(chunk)) throw binary(display, size);
    chunks.unshift(chunk);
    scanned += chunk.length;
    for (const b of chunk) if (b === 10) newlines++;
  }
  const buf = Buffer.concat(chunks);
  // find where the n-th last line starts
  let start = 0;
  let seen = 0;
  const stopAt = endsWithNewline ? buf.length - 1 : buf.length;
  for (let i = stopAt - 1; i >= 0; i--) {
    if (buf[i] === 10) {
      seen++;
      if (seen === n) {
        start = i + 1;
        break;
      }
    }
  }
  const fromStartOfFile = pos === 0 && seen < n;
  let body = buf.subarray(start);
  let truncated = !fromStartOfFile && seen < n;
  let note: string | undefined = truncated ? `only the last ${buf.length} bytes were scanned` : undefined;
  if (body.length > maxBytes) {
    const cut = utf8Start(body, body.length - maxBytes);
    const nl = body.indexOf(10, cut);
    body = body.subarray(nl >= 0 && nl + 1 < body.length ? nl + 1 : cut);
    truncated = true;
    note = `output capped at ${maxBytes} bytes`;
  }
  const { text, invalidUtf8 } = decode(body);
  let totalLines: number | undefined;
  if (pos === 0) totalLines = newlines + (endsWithNewline ? 0 : 1);
  const returnedLines = text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  return {
    text,
    bytes: body.length,
    truncated,
    invalidUtf8,
    ...(totalLines !== undefined && returnedLines > 0
      ? { startLine: totalLines - returnedLines + 1, endLine: totalLines }
      : {}),
    ...(totalLines !== undefined ? { totalLines } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

/** Whole file for searching: null when it is binary. */
export async function readForSearch(fh: FileHandle, size: number): Promise<string | null> {
  const raw = await readAt(fh, 0, size);
  if (looksBinary(raw)) return null;
  return decode(raw).text;
}

export async function sniffBinary(fh: FileHandle): Promise<boolean> {
  return looksBinary(await readAt(fh, 0, SNIFF_BYTES));
}
