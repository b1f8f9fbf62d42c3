import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "../errors.js";
import {
  bumpVector,
  compareVectors,
  counterOf,
  EMPTY_VECTOR,
  MAX_VECTOR_ENTRIES,
  mergeVectors,
  nodeNameProblem,
  vectorFromWire,
  vectorToWire,
  type VectorRelation,
  type VersionVector,
} from "./vector.js";

const v = (o: Record<string, number>): VersionVector => vectorFromWire(o);

const compareCases: { name: string; a: VersionVector; b: VersionVector; want: VectorRelation }[] = [
  { name: "two empty vectors are equal", a: v({}), b: v({}), want: "equal" },
  { name: "zero counters equal absent ones", a: v({ a: 0 }), b: v({}), want: "equal" },
  { name: "same counters are equal", a: v({ a: 1, b: 2 }), b: v({ b: 2, a: 1 }), want: "equal" },
  { name: "a larger counter dominates", a: v({ a: 2 }), b: v({ a: 1 }), want: "dominates" },
  { name: "an extra node dominates", a: v({ a: 1, b: 1 }), b: v({ a: 1 }), want: "dominates" },
  { name: "anything dominates empty", a: v({ z: 1 }), b: EMPTY_VECTOR, want: "dominates" },
  { name: "a smaller counter is dominated", a: v({ a: 1, b: 3 }), b: v({ a: 1, b: 4 }), want: "dominated" },
  { name: "empty is dominated", a: EMPTY_VECTOR, b: v({ a: 1 }), want: "dominated" },
  { name: "disjoint nodes are concurrent", a: v({ a: 1 }), b: v({ b: 1 }), want: "concurrent" },
  { name: "crossed counters are concurrent", a: v({ a: 2, b: 1 }), b: v({ a: 1, b: 2 }), want: "concurrent" },
  { name: "prototype-named nodes compare as data", a: v(Object.fromEntries([["__proto__", 1], ["constructor", 2]])), b: v({ constructor: 2 }), want: "dominates" },
];
for (const c of compareCases) {
  test(`compareVectors() ${c.name}`, () => assert.equal(compareVectors(c.a, c.b), c.want));
}

const mergeCases: { name: string; a: VersionVector; b: VersionVector; want: Record<string, number> }[] = [
  { name: "of empties is empty", a: EMPTY_VECTOR, b: EMPTY_VECTOR, want: {} },
  { name: "takes the larger counter per node", a: v({ a: 3, b: 1 }), b: v({ a: 1, b: 2, c: 1 }), want: { a: 3, b: 2, c: 1 } },
  { name: "keeps a __proto__ node as data", a: v(Object.fromEntries([["__proto__", 2]])), b: v({ x: 1 }), want: Object.fromEntries([["__proto__", 2], ["x", 1]]) },
];
for (const c of mergeCases) {
  test(`mergeVectors() ${c.name}`, () => assert.deepEqual(vectorToWire(mergeVectors(c.a, c.b)), vectorToWire(v(c.want))));
}

test("bumpVector() advances only the named node and returns a new frozen vector", () => {
  const before = v({ a: 1, b: 5 });
  const after = bumpVector(before, "a");
  assert.deepEqual(vectorToWire(after), { a: 2, b: 5 });
  assert.deepEqual(vectorToWire(before), { a: 1, b: 5 });
  assert.ok(Object.isFrozen(after));
  assert.equal(compareVectors(after, before), "dominates");
});

test("bumpVector() starts a new node at 1, also for prototype names", () => {
  assert.equal(counterOf(bumpVector(EMPTY_VECTOR, "constructor"), "constructor"), 1);
  assert.equal(counterOf(bumpVector(EMPTY_VECTOR, "__proto__"), "__proto__"), 1);
  assert.equal(counterOf(EMPTY_VECTOR, "constructor"), 0);
});

test("bumpVector() rejects a bad node name and counter overflow", () => {
  assert.throws(() => bumpVector(EMPTY_VECTOR, "a b"), TypeError);
  assert.throws(() => bumpVector(v({ a: Number.MAX_SAFE_INTEGER }), "a"), RangeError);
});

test("vectorToWire() sorts keys and drops zero counters", () => {
  assert.deepEqual(Object.keys(vectorToWire(v({ c: 1, a: 0, b: 2 }))), ["b", "c"]);
});

test("vectorFromWire() round-trips through JSON, including a __proto__ node", () => {
  const wire = JSON.parse('{"__proto__": 3, "web1": 2}') as unknown;
  const back = vectorFromWire(JSON.parse(JSON.stringify(vectorToWire(vectorFromWire(wire)))));
  assert.equal(counterOf(back, "__proto__"), 3);
  assert.equal(counterOf(back, "web1"), 2);
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
});

const badWire: { name: string; raw: unknown; why: RegExp }[] = [
  { name: "null", raw: null, why: /expected an object, got null/ },
  { name: "an array", raw: [["a", 1]], why: /got an array/ },
  { name: "a string", raw: "a:1", why: /got string/ },
  { name: "a negative counter", raw: { a: -1 }, why: /counter of "a" is -1/ },
  { name: "a fractional counter", raw: { a: 1.5 }, why: /counter of "a" is 1.5/ },
  { name: "an unsafe counter", raw: { a: 2 ** 53 }, why: /non-negative safe integer/ },
  { name: "a string counter", raw: { a: "1" }, why: /counter of "a" is string/ },
  { name: "an empty node name", raw: { "": 1 }, why: /empty/ },
  { name: "a node name with a space", raw: { "a b": 1 }, why: /whitespace/ },
  { name: "a node name with @", raw: { "a@b": 1 }, why: /one of @/ },
  { name: "a non-ASCII node name", raw: { "ä": 1 }, why: /non-ASCII/ },
  { name: "an overlong node name", raw: { ["a".repeat(256)]: 1 }, why: /longer than 255/ },
  { name: "too many entries", raw: Object.fromEntries(Array.from({ length: MAX_VECTOR_ENTRIES + 1 }, (_, i) => [`n${i}`, 1])), why: /entries, at most/ },
];
for (const c of badWire) {
  test(`vectorFromWire() rejects ${c.name}`, () => {
    assert.throws(() => vectorFromWire(c.raw), (err: unknown) => err instanceof ProtocolError && c.why.test(err.message));
  });
}

test("nodeNameProblem() accepts host names, addresses and name@addr parts", () => {
  for (const name of ["web1", "host4-eth2", "10.0.0.1", "fe80::1", "a_b.c", "__proto__"]) assert.equal(nodeNameProblem(name), undefined, name);
});

// Properties: merge is a join (commutative, idempotent, dominates-or-equals both inputs), and
// compare is antisymmetric, which reconcile's symmetry rests on.
const arbVector = fc
  .dictionary(fc.constantFrom("a", "b", "c", "d"), fc.nat({ max: 4 }))
  .map((o) => vectorFromWire(o));
const flip: Record<VectorRelation, VectorRelation> = { equal: "equal", dominates: "dominated", dominated: "dominates", concurrent: "concurrent" };

test("compareVectors() is antisymmetric", () => {
  fc.assert(fc.property(arbVector, arbVector, (a, b) => compareVectors(b, a) === flip[compareVectors(a, b)]));
});

test("mergeVectors() is a commutative, idempotent upper bound", () => {
  fc.assert(
    fc.property(arbVector, arbVector, (a, b) => {
      const m = mergeVectors(a, b);
      assert.deepEqual(vectorToWire(m), vectorToWire(mergeVectors(b, a)));
      assert.deepEqual(vectorToWire(mergeVectors(m, m)), vectorToWire(m));
      assert.notEqual(compareVectors(m, a), "dominated");
      assert.ok(["equal", "dominates"].includes(compareVectors(m, a)));
      assert.ok(["equal", "dominates"].includes(compareVectors(m, b)));
    }),
  );
});
