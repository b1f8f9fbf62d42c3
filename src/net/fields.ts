// Field readers for decodeMessage(): each takes the raw decoded JSON object and a field name,
// returns a typed value or throws ProtocolError naming the field. Kept apart so that adding a
// message type is one validator built from these and one line in the registry. Pure.

import { ProtocolError } from "../errors.js";
import { PathError, toLogicalPath, type LogicalPath } from "../core/path.js";

export type Fields = Readonly<Record<string, unknown>>;

/** Node, group and error-code names: printable ASCII without spaces, 1..255 chars. */
const NAME = /^[\x21-\x7e]{1,255}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX_HASH = /^[0-9a-f]{16,128}$/;

function fail(field: string, what: string): never {
  throw new ProtocolError(`Cannot decode message: field "${field}" ${what}`);
}

export function text(o: Fields, field: string, maxLength: number): string {
  const v = o[field];
  if (typeof v !== "string") fail(field, "must be a string");
  if (v.length > maxLength) fail(field, `is longer than ${maxLength} characters`);
  return v;
}

export function optionalText(o: Fields, field: string, maxLength: number): string | undefined {
  return o[field] === undefined ? undefined : text(o, field, maxLength);
}

export function name(o: Fields, field: string): string {
  const v = text(o, field, 255);
  if (!NAME.test(v)) fail(field, "must be 1-255 printable ASCII characters without spaces");
  return v;
}

export function uint(o: Fields, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[field];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) fail(field, `must be an integer in 0..${max}`);
  return v;
}

export function bool(o: Fields, field: string): boolean {
  const v = o[field];
  if (typeof v !== "boolean") fail(field, "must be true or false");
  return v;
}

export function list<T>(o: Fields, field: string, maxItems: number, item: (v: unknown, at: string) => T): T[] {
  const v = o[field];
  if (!Array.isArray(v)) fail(field, "must be a list");
  if (v.length > maxItems) fail(field, `has more than ${maxItems} items`);
  return v.map((x, i) => item(x, `${field}[${i}]`));
}

/** Fixed-length binary value carried as base64 (MACs, hashes). */
export function bytes(o: Fields, field: string, length: number): Buffer {
  const v = text(o, field, Math.ceil(length / 3) * 4);
  if (!BASE64.test(v)) fail(field, "must be base64");
  const out = Buffer.from(v, "base64");
  if (out.length !== length) fail(field, `must hold ${length} bytes`);
  return out;
}

/** A logical path from a peer: every path goes through the one gate in core/path.ts. */
export function path(o: Fields, field: string): LogicalPath {
  const v = text(o, field, 8192);
  try {
    return toLogicalPath(v);
  } catch (err) {
    if (err instanceof PathError) fail(field, `is not an acceptable path: ${err.message}`);
    throw err;
  }
}

/** A plain JSON object (not an array, not null), else ProtocolError. */
export function record(v: unknown, what: string): Fields {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ProtocolError(`Cannot decode message: ${what} must be a JSON object`);
  }
  return v as Fields;
}

/** A content hash as peers write it. */
export function hash(o: Fields, field: string): string {
  const v = text(o, field, 128);
  if (!HEX_HASH.test(v)) throw new ProtocolError(`Cannot decode message: field "${field}" must be 16-128 lowercase hex digits`);
  return v;
}

/** One word of a closed set; any other word is refused, never read as a default. */
export function oneOf<T extends string>(o: Fields, field: string, choices: readonly T[]): T {
  const v = text(o, field, 64);
  if (!(choices as readonly string[]).includes(v)) throw new ProtocolError(`Cannot decode message: field "${field}" must be one of ${choices.join(", ")}`);
  return v as T;
}
