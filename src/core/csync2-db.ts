// Reading csync2's database rows (csync2.md §6): every text value is URL-encoded (§5.2), file
// names are prefix-encoded before that (`%25www%25/a` is `%www%/a`), and a file's recorded state
// is its checktxt, `v1[:mtime=S]:mode=N:uid=N:gid=N:type=reg:size=N` (§6.2), itself
// URL-encoded once more in the table. Pure: rows in, values out. `peersync import-csync2`
// (src/migrate/import-csync2.ts) reads the rows and compares them with the disk.

import { counterOf, type VersionVector } from "./vector.js";

/** The file types a checktxt can name (checktxt.c). peersync syncs reg, dir and lnk. */
export const CSYNC2_TYPES = ["reg", "dir", "lnk", "chr", "blk", "fifo", "sock"] as const;
export type Csync2Type = (typeof CSYNC2_TYPES)[number];

/** A parsed checktxt. Absent fields were not recorded (`ignore uid|gid|mod`, no mtime for dirs). */
export interface Csync2Checktxt {
  readonly type: Csync2Type;
  /** Seconds since the epoch (regular files and devices only). */
  readonly mtimeS: bigint | undefined;
  /** The full st_mode, type bits included. */
  readonly mode: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly size: bigint | undefined;
  /**
   * A symlink's target, raw bytes. Empty when csync2 could not read it: csync2 calls readlink()
   * on the prefix-encoded name, so every symlink under a `prefix` has `target=` (§6.2).
   */
  readonly target: Uint8Array | undefined;
}

export type ChecktxtResult =
  | { readonly ok: true; readonly value: Csync2Checktxt }
  | { readonly ok: false; readonly reason: string };

/**
 * csync2's url_decode (urlencode.c): a `%` followed by two hex digits is that byte. csync2's
 * own decoder takes any two characters after `%` (strtol); a `%` without two hex digits after
 * it is kept as it is here, since csync2's encoder never writes one.
 */
export function csync2UrlDecode(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    const hi = raw[i + 1];
    const lo = raw[i + 2];
    if (b === 0x25 && hi !== undefined && lo !== undefined && isHex(hi) && isHex(lo)) {
      out[n++] = (hexValue(hi) << 4) | hexValue(lo);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.slice(0, n);
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10;
}

const INTEGER = /^-?[0-9]+$/;

/**
 * Parses a checktxt as stored in the `file` table (still URL-encoded once). Fields are split
 * on `:`; a symlink target is URL-encoded inside the text, so it holds no raw `:`.
 */
export function parseChecktxt(stored: Uint8Array): ChecktxtResult {
  const text = latin1(csync2UrlDecode(stored));
  const [version, ...fields] = text.split(":");
  if (version !== "v1") return { ok: false, reason: `unknown checktxt version "${version ?? ""}" (expected v1)` };
  const values = new Map<string, string>();
  for (const field of fields) {
    const eq = field.indexOf("=");
    if (eq <= 0) return { ok: false, reason: `field "${field}" is not name=value` };
    const name = field.slice(0, eq);
    if (values.has(name)) return { ok: false, reason: `field "${name}" appears twice` };
    values.set(name, field.slice(eq + 1));
  }
  const type = values.get("type");
  if (type === undefined || !(CSYNC2_TYPES as readonly string[]).includes(type)) {
    return { ok: false, reason: `type "${type ?? ""}" is not one of ${CSYNC2_TYPES.join(", ")}` };
  }
  for (const name of ["mtime", "mode", "uid", "gid", "size"]) {
    const v = values.get(name);
    if (v !== undefined && !INTEGER.test(v)) return { ok: false, reason: `field "${name}" is not an integer: "${v}"` };
  }
  const target = values.get("target");
  return {
    ok: true,
    value: {
      type: type as Csync2Type,
      mtimeS: bigintOf(values.get("mtime")),
      mode: numberOf(values.get("mode")),
      uid: numberOf(values.get("uid")),
      gid: numberOf(values.get("gid")),
      size: bigintOf(values.get("size")),
      target: target === undefined ? undefined : csync2UrlDecode(fromLatin1(target)),
    },
  };
}

// Bytes ↔ a string with one char per byte, so splitting never breaks a multi-byte sequence
// of a target; the target goes back to bytes before its own decoding.
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function fromLatin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function bigintOf(v: string | undefined): bigint | undefined {
  return v === undefined ? undefined : BigInt(v);
}

function numberOf(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** What the importer observed on disk, in the units a checktxt uses. */
export interface DiskState {
  readonly kind: "file" | "dir" | "symlink";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeNs: bigint;
  readonly size: number;
  /** Raw target bytes (symlinks). */
  readonly target: Uint8Array | undefined;
}

const KIND_OF_TYPE: Readonly<Partial<Record<Csync2Type, DiskState["kind"]>>> = { reg: "file", dir: "dir", lnk: "symlink" };

/** The peersync kind a csync2 type maps to; undefined for what peersync does not sync. */
export function kindOfCsync2Type(type: Csync2Type): DiskState["kind"] | undefined {
  return KIND_OF_TYPE[type];
}

/**
 * Why the disk no longer matches what csync2 recorded, or undefined when it does: the file
 * is then in the state csync2 last saw (and, for a file not dirty, last synced). Only the
 * fields csync2 recorded are compared; the mtime in whole seconds, floored as csync2 prints
 * st_mtime.
 */
export function checktxtDifference(recorded: Csync2Checktxt, disk: DiskState): string | undefined {
  if (kindOfCsync2Type(recorded.type) !== disk.kind) return `type ${recorded.type} recorded, ${disk.kind} on disk`;
  if (recorded.mode !== undefined && recorded.mode !== disk.mode) return `mode ${recorded.mode} recorded, ${disk.mode} on disk`;
  if (recorded.uid !== undefined && recorded.uid !== disk.uid) return `uid ${recorded.uid} recorded, ${disk.uid} on disk`;
  if (recorded.gid !== undefined && recorded.gid !== disk.gid) return `gid ${recorded.gid} recorded, ${disk.gid} on disk`;
  if (disk.kind === "file") {
    const seconds = floorSeconds(disk.mtimeNs);
    if (recorded.mtimeS !== undefined && recorded.mtimeS !== seconds) return `mtime ${recorded.mtimeS} recorded, ${seconds} on disk`;
    if (recorded.size !== undefined && recorded.size !== BigInt(disk.size)) return `size ${recorded.size} recorded, ${disk.size} on disk`;
  }
  // An empty target is csync2's prefix bug (see Csync2Checktxt.target), not a recorded value.
  if (disk.kind === "symlink" && recorded.target !== undefined && recorded.target.length > 0) {
    if (!sameBytes(recorded.target, disk.target ?? new Uint8Array())) return "symlink target differs";
  }
  return undefined;
}

function floorSeconds(ns: bigint): bigint {
  const s = ns / 1_000_000_000n;
  return ns < 0n && ns % 1_000_000_000n !== 0n ? s - 1n : s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The version vector every node gives an imported file that csync2 had in sync. Every node
 * importing its own csync2 database gives identical files the same vector, so the first
 * peersync sync finds them equal and sends nothing. A node that changed the file since gets
 * this vector plus its own counter, which dominates the baseline everywhere.
 */
export const CSYNC2_BASELINE_NODE = "csync2";

/**
 * True for the version an import gave a file csync2 had in sync, unchanged since: exactly the
 * baseline vector. Such a file's mtime is only as exact as csync2 made it (see compare.ts).
 */
export function isCsync2Baseline(v: VersionVector): boolean {
  const nodes = Object.keys(v);
  return nodes.length === 1 && nodes[0] === CSYNC2_BASELINE_NODE && counterOf(v, CSYNC2_BASELINE_NODE) === 1;
}

/**
 * The deletions csync2 noticed but never sent: paths with a dirty row and no file row (csync2
 * drops the row of a file it finds deleted and keeps only the dirty rows, csync2.md §6.3), that
 * `included` selects. Sorted, so an operator can act on the list (the import does not replay them).
 */
export function unsentDeletionPaths(dirty: Iterable<string>, recorded: ReadonlySet<string>, included: (path: string) => boolean): string[] {
  const out = [...new Set(dirty)].filter((path) => !recorded.has(path) && included(path));
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
