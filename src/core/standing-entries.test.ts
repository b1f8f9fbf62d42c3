import assert from "node:assert/strict";
import { test } from "node:test";
import { standingChildren } from "./standing-entries.js";

// A child as [name hash, whole hash]: "a" with stat 1 is [1, 101], with stat 2 [1, 102].
const child = (name: number, stat: number): [number, number] => [name, name * 100 + stat];
const hashes = (...children: [number, number][]): Float64Array => Float64Array.from(children.flat());

const CASES: { name: string; stored: Float64Array; current: Float64Array; want: number[] | undefined }[] = [
  { name: "nothing moved", stored: hashes(child(1, 1), child(2, 1)), current: hashes(child(2, 1), child(1, 1)), want: [1, 1] },
  { name: "one child changed", stored: hashes(child(1, 1), child(2, 1), child(3, 1)), current: hashes(child(1, 1), child(2, 2), child(3, 1)), want: [1, 0, 1] },
  { name: "a new child", stored: hashes(child(1, 1)), current: hashes(child(1, 1), child(4, 1)), want: [1, 0] },
  { name: "order of readdir does not matter", stored: hashes(child(1, 1), child(2, 1), child(3, 1)), current: hashes(child(3, 1), child(1, 2), child(2, 1)), want: [1, 0, 1] },
  { name: "a child gone: every child gets a look", stored: hashes(child(1, 1), child(2, 1)), current: hashes(child(1, 1)), want: undefined },
  { name: "gone and another new in its place: still a look at all", stored: hashes(child(1, 1), child(2, 1)), current: hashes(child(1, 1), child(5, 1)), want: undefined },
  { name: "renamed (same stat, new name): the old name is gone", stored: hashes(child(1, 1), child(2, 1)), current: hashes(child(1, 1), [9, 201]), want: undefined },
  { name: "every child changed: nothing to pass over", stored: hashes(child(1, 1), child(2, 1)), current: hashes(child(1, 2), child(2, 2)), want: undefined },
  { name: "no stored look", stored: hashes(), current: hashes(child(1, 1)), want: undefined },
  { name: "a torn blob (odd length)", stored: Float64Array.from([1, 101, 2]), current: hashes(child(1, 1)), want: undefined },
  { name: "an empty directory now, one before", stored: hashes(child(1, 1)), current: hashes(), want: undefined },
];

for (const c of CASES) {
  test(`standingChildren: ${c.name}`, () => {
    const got = standingChildren(c.stored, c.current);
    assert.deepEqual(got && [...got], c.want);
  });
}
