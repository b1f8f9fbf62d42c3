// How a row of the entries table (schema/20-entries.sql) maps to an EntryRecord and back: the
// places of an insert or update, the columns of a read (as arrays: statement.raw()), and the
// vector's stored text. entries.ts prepares the statements; this file only converts.

import { fingerprintHash, msFromNs, type EntryKind } from "../core/file-state.js";
import { EMPTY_VECTOR, vectorFromWire, vectorToWire, type VersionVector } from "../core/vector.js";
import { IndexError, messageOf } from "../errors.js";
import type { EntryRecord, FingerprintRow, RecordInput, VersionedRecord } from "./entries.js";

/** The insert's places in order: grp, path, then the state columns in the update's order. */
export function recordParams(input: RecordInput): unknown[] {
  const s = input.state;
  return [
    input.group,
    input.path,
    s.kind,
    s.mode,
    s.uid,
    s.gid,
    s.userName ?? null,
    s.groupName ?? null,
    s.mtimeNs,
    s.size,
    s.kind === "file" ? Buffer.from(s.hash, "hex") : null,
    s.kind === "symlink" ? s.target : null,
    vectorText(input.vector),
    input.ctimeNs,
    BigInt.asIntN(64, input.ino),
    BigInt.asIntN(64, input.dev),
    recordedFingerprintHash(input),
  ];
}

/** fingerprintHash() of what Node's number lstat will report for this observation. */
export function recordedFingerprintHash(input: Pick<RecordInput, "state" | "ctimeNs" | "ino" | "dev">): number {
  const s = input.state;
  return fingerprintHash({
    mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, ino: Number(input.ino), dev: Number(input.dev),
    mtimeMs: msFromNs(s.mtimeNs), ctimeMs: msFromNs(input.ctimeNs),
  });
}

// Most vectors a check writes are few distinct texts ({"a":1}, {"a":2}, ...): cache them.
const vectorTexts = new WeakMap<VersionVector, string>();

/** The canonical JSON text of a vector, as stored in entries.vv. */
export function vectorText(v: VersionVector): string {
  let text = vectorTexts.get(v);
  if (text === undefined) {
    text = JSON.stringify(vectorToWire(v));
    vectorTexts.set(v, text);
  }
  return text;
}

// ... and the texts read back are as few: a bulk read of 10,000 rows parsed the same one 10,000
// times (~1 µs each). Sharing one object is safe: vectorFromWire() returns it frozen. Bounded,
// since a long-lived daemon reads many over time.
const parsedVectors = new Map<string, VersionVector>();
const PARSED_VECTORS_MAX = 4096;

/** Parses entries.vv; a corrupt value is an IndexError naming the path. */
export function parseVectorText(text: string, path: string): VersionVector {
  const known = parsedVectors.get(text);
  if (known !== undefined) return known;
  try {
    if (text === "") return EMPTY_VECTOR;
    const vector = vectorFromWire(JSON.parse(text));
    if (parsedVectors.size >= PARSED_VECTORS_MAX) parsedVectors.clear();
    parsedVectors.set(text, vector);
    return vector;
  } catch (err) {
    throw new IndexError(`Cannot read the version vector of "${path}": ${messageOf(err)}`, {
      cause: err,
      hint: "the index is damaged; move it aside and run `peersync check` to rebuild it",
    });
  }
}

// Rows come as arrays (statement.raw()), in the order of COLUMNS then VERSIONED_COLUMNS' three:
// a pusher reads every pending entry twice per peer, and better-sqlite3 building an object per
// row cost a third of each read (measured on 10,000 entries).
export type RawRow = [
  id: bigint, grp: string, path: string, kind: EntryKind, mode: bigint, uid: bigint, gid: bigint,
  user_name: string | null, group_name: string | null, mtime_ns: bigint, size: bigint, hash: Buffer | null,
  target: string | null, vv: string, deleted_ns: bigint | null, ctime_ns: bigint, ino: bigint, dev: bigint,
];

export type VersionedRawRow = [...RawRow, modified_by: string | null, changed_at_ms: bigint | null, forced: bigint];

export function toRecord(r: RawRow | VersionedRawRow): EntryRecord {
  return {
    id: Number(r[0]),
    group: r[1],
    path: r[2],
    kind: r[3],
    mode: Number(r[4]),
    uid: Number(r[5]),
    gid: Number(r[6]),
    userName: r[7] ?? undefined,
    groupName: r[8] ?? undefined,
    mtimeNs: r[9],
    size: Number(r[10]),
    hash: r[11] === null ? undefined : r[11].toString("hex"),
    target: r[12] ?? undefined,
    vector: parseVectorText(r[13], r[2]),
    deletedNs: r[14] ?? undefined,
    ctimeNs: r[15],
    ino: BigInt.asUintN(64, r[16]),
    dev: BigInt.asUintN(64, r[17]),
  };
}

export function toVersioned(r: VersionedRawRow): VersionedRecord {
  return {
    record: toRecord(r),
    version: { modifiedBy: r[18] ?? undefined, changedAtMs: r[19] === null ? undefined : Number(r[19]), forced: r[20] !== 0n },
  };
}

export function toFingerprintRow(raw: unknown[]): FingerprintRow {
  return { id: raw[0] as number, path: raw[1] as string, deleted: raw[2] === 1, fp: raw[3] as number };
}
