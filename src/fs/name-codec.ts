// File names are bytes; JavaScript strings (and the index's TEXT, and the wire's JSON) are
// Unicode. A name that is valid UTF-8 is used as is. Every byte that is not part of a valid
// UTF-8 sequence becomes U+FFFD followed by the byte in two upper-case hex digits ("\uFFFDFF"),
// and a literal U+FFFD in a name is escaped the same way, byte by byte ("\uFFFDEF\uFFFDBF\uFFFDBD"),
// so the mapping is one-to-one and every escaped name is an ordinary valid string. Only the fs
// edge turns an escaped path back into bytes (fsPath()); everything else treats it as a name.
//
// Why U+FFFD: Node's UTF-8 decoder produces it for invalid bytes, so one cheap includes() on
// the string readdir returned tells whether a directory needs the slow, byte-exact path.

import { dirname } from "node:path";

const ESCAPE = "\uFFFD";
const HEX = "0123456789ABCDEF";

/** True when a name decoded by Node might have lost bytes (or holds a literal U+FFFD). */
export function needsEscaping(decoded: string): boolean {
  return decoded.includes(ESCAPE);
}

/** The escaped string of a raw name (or path). */
export function decodeName(raw: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const len = validSequenceLength(raw, i);
    if (len === 0) {
      out += escapeByte(raw[i]!);
      i += 1;
      continue;
    }
    const text = Buffer.from(raw.subarray(i, i + len)).toString("utf8");
    out += text === ESCAPE ? escapeByte(raw[i]!) + escapeByte(raw[i + 1]!) + escapeByte(raw[i + 2]!) : text;
    i += len;
  }
  return out;
}

function escapeByte(b: number): string {
  return ESCAPE + HEX[b >> 4]! + HEX[b & 15]!;
}

/** Length of the valid UTF-8 sequence starting at i (RFC 3629: no overlongs, no surrogates), or 0. */
function validSequenceLength(raw: Uint8Array, i: number): number {
  const b0 = raw[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = raw[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 >= 0xe1 && b0 <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** The raw bytes of an escaped string. A U+FFFD not followed by two hex digits stays U+FFFD. */
export function encodeName(escaped: string): Buffer {
  if (!escaped.includes(ESCAPE)) return Buffer.from(escaped, "utf8");
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = escaped.indexOf(ESCAPE); i !== -1; i = escaped.indexOf(ESCAPE, i + 1)) {
    const hex = escaped.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) continue;
    parts.push(Buffer.from(escaped.slice(start, i), "utf8"), Buffer.of(parseInt(hex, 16)));
    start = i + 3;
    i += 2;
  }
  parts.push(Buffer.from(escaped.slice(start), "utf8"));
  return Buffer.concat(parts);
}

/** What to hand to node:fs for an escaped path: the string itself when it has no escapes. */
export function fsPath(escaped: string): string | Buffer {
  return escaped.includes(ESCAPE) ? encodeName(escaped) : escaped;
}

/**
 * The directory part of an fs path (a string, or raw bytes from fsPath()): a string when it is
 * UTF-8, else its bytes. Atomic writes make their temp file there.
 */
export function directoryOf(path: string | Buffer): string | Buffer {
  if (typeof path === "string") return dirname(path);
  const slash = path.lastIndexOf(0x2f);
  if (slash === -1) return ".";
  const bytes = path.subarray(0, slash === 0 ? 1 : slash);
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes) ? text : Buffer.from(bytes);
}

/** Joins a directory (string or raw bytes) and an escaped child name into an fs path. */
export function joinFsPath(dir: string | Buffer, name: string): string | Buffer {
  const sep = (typeof dir === "string" ? dir.endsWith("/") : dir[dir.length - 1] === 0x2f) ? "" : "/";
  if (typeof dir === "string" && !name.includes(ESCAPE)) return dir + sep + name;
  const head = typeof dir === "string" ? Buffer.from(dir, "utf8") : dir;
  return Buffer.concat([head, Buffer.from(sep), encodeName(name)]);
}

/**
 * Orders strings as their UTF-8 bytes compare (SQLite's BINARY collation on TEXT). UTF-16 code
 * unit order agrees except between surrogates (astral characters) and U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

function fixup(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
