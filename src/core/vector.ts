// Version vectors: `{node: counter}`, one counter per node that ever changed an entry. They
// decide sync direction without trusting clocks: a vector that dominates another saw every
// change the other saw and more; two vectors neither of which dominates are concurrent edits,
// which is exactly when conflict policies apply (DESIGN.md §4).
//
// Invariants of every VersionVector this module returns:
// - frozen, with keys in sorted order and no zero counters (absent == 0), so two vectors that
//   mean the same thing are deepEqual and serialise identically;
// - keys are valid node names and counters are non-negative safe integers.
// Vectors are built with Object.fromEntries and read with Object.hasOwn only: a node may be
// called "__proto__" or "constructor", and assignment or plain indexing would hit the prototype.

import { ProtocolError } from "../errors.js";

export type VersionVector = Readonly<Record<string, number>>;

/** How vector `a` relates to vector `b`. */
export type VectorRelation = "equal" | "dominates" | "dominated" | "concurrent";

/** Longest node name accepted (a DNS name is at most 253 bytes). */
export const MAX_NODE_NAME_LENGTH = 255;
/** Most nodes a vector may name; a cluster is a handful of hosts, so this only stops abuse. */
export const MAX_VECTOR_ENTRIES = 1024;

// Host names and addresses as csync2 accepts them in `host name@addr`: printable ASCII without
// whitespace or the config punctuation, so a name can never smuggle separators into logs or SQL.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const CONFIG_PUNCTUATION = /[@;()#"]/;

export const EMPTY_VECTOR: VersionVector = Object.freeze({});

/** The reason `name` cannot be a node name, or undefined when it can. */
export function nodeNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "not a string";
  if (name.length === 0) return "it is empty";
  if (name.length > MAX_NODE_NAME_LENGTH) return `it is longer than ${MAX_NODE_NAME_LENGTH} characters`;
  if (!PRINTABLE_ASCII.test(name) || CONFIG_PUNCTUATION.test(name)) return "it contains whitespace, control or non-ASCII characters, or one of @ ; ( ) # \"";
  return undefined;
}

/** The counter of `node` in `v`; a node the vector does not name has counter 0. */
export function counterOf(v: VersionVector, node: string): number {
  return Object.hasOwn(v, node) ? (v[node] ?? 0) : 0;
}

/** Builds the canonical (sorted, zero-free, frozen) vector from entries already validated. */
function canonical(entries: Iterable<readonly [string, number]>): VersionVector {
  const list = Array.isArray(entries) ? (entries as readonly (readonly [string, number])[]) : [...entries];
  // Vectors off the wire and out of the index are canonical already: build those in one pass,
  // without the copy, filter and sort (every received entry decodes one; ~3 % of a receiving
  // daemon's main thread in bench/sync (a)).
  let ordered = true;
  for (let i = 0; i < list.length && ordered; i++) ordered = list[i]![1] > 0 && (i === 0 || list[i - 1]![0] < list[i]![0]);
  const kept = ordered ? list : list.filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.freeze(Object.fromEntries(kept));
}

/** Relation of `a` to `b`: equal, a dominates b, a is dominated by b, or concurrent. */
export function compareVectors(a: VersionVector, b: VersionVector): VectorRelation {
  let aAhead = false;
  let bAhead = false;
  for (const node of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = counterOf(a, node);
    const y = counterOf(b, node);
    if (x > y) aAhead = true;
    else if (y > x) bAhead = true;
    if (aAhead && bAhead) return "concurrent";
  }
  if (aAhead) return "dominates";
  if (bAhead) return "dominated";
  return "equal";
}

/** The smallest vector that dominates or equals both: per node, the larger counter. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const nodes = new Set([...Object.keys(a), ...Object.keys(b)]);
  return canonical([...nodes].map((n) => [n, Math.max(counterOf(a, n), counterOf(b, n))] as const));
}

/**
 * `v` with `node`'s counter advanced by one: the vector of a change `node` just made on top of
 * version `v`. Throws for a bad node name (a programmer error: names come from the config).
 */
export function bumpVector(v: VersionVector, node: string): VersionVector {
  const problem = nodeNameProblem(node);
  if (problem !== undefined) throw new TypeError(`Cannot bump vector for node ${JSON.stringify(node)}: ${problem}`);
  const next = counterOf(v, node) + 1;
  if (!Number.isSafeInteger(next)) throw new RangeError(`Cannot bump vector for node "${node}": counter overflow`);
  return canonical([...Object.entries(v).filter(([n]) => n !== node), [node, next]]);
}

/** The wire (and index) form: a plain JSON object with sorted keys and no zero counters. */
export function vectorToWire(v: VersionVector): Record<string, number> {
  // Vectors made here are frozen canonical objects already (canonical()): hand those on as
  // they are, as every entry of every offer does; copy anything else into canonical form.
  if (Object.isFrozen(v) && isCanonical(v)) return v;
  return Object.fromEntries(Object.entries(canonical(Object.entries(v))));
}

function isCanonical(v: VersionVector): boolean {
  let previous: string | undefined;
  for (const node in v) {
    if (!Object.hasOwn(v, node)) return false;
    const n = v[node];
    if (n === undefined || !(n > 0) || (previous !== undefined && !(previous < node))) return false;
    previous = node;
  }
  return true;
}

/**
 * Parses an untrusted vector (peer bytes, index JSON). Throws ProtocolError naming the first
 * problem: not an object, too many entries, a bad node name, or a counter that is not a
 * non-negative safe integer.
 */
export function vectorFromWire(raw: unknown): VersionVector {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ProtocolError(`Cannot decode version vector: expected an object, got ${describe(raw)}`);
  }
  const entries = Object.entries(raw);
  if (entries.length > MAX_VECTOR_ENTRIES) {
    throw new ProtocolError(`Cannot decode version vector: ${entries.length} entries, at most ${MAX_VECTOR_ENTRIES}`);
  }
  for (const [node, counter] of entries) {
    const problem = nodeNameProblem(node);
    if (problem !== undefined) {
      throw new ProtocolError(`Cannot decode version vector: node name ${JSON.stringify(node.slice(0, 64))}: ${problem}`);
    }
    if (typeof counter !== "number" || !Number.isSafeInteger(counter) || counter < 0) {
      throw new ProtocolError(`Cannot decode version vector: counter of "${node}" is ${describe(counter)}, expected a non-negative safe integer`);
    }
  }
  return canonical(entries as [string, number][]);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return String(value);
  return typeof value;
}
