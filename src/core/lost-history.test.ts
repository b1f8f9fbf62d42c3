import assert from "node:assert/strict";
import { test } from "node:test";
import { keptOnlyByUs, whoLostHistory } from "./lost-history.js";
import { vectorFromWire } from "./vector.js";

const v = vectorFromWire;

// This node is b; the pusher is a unless a row says otherwise.
const lostRows = [
  { name: "the pusher restarted below a counter of its own we hold", local: { a: 3 }, remote: { a: 1 }, want: "a" },
  { name: "the pusher restarted below ours, with our change on top", local: { a: 3, b: 1 }, remote: { a: 1 }, want: "a" },
  { name: "we restarted below a counter of ours the pusher holds", local: { b: 1 }, remote: { a: 1, b: 3 }, want: "b" },
  { name: "a tombstone the pusher forgot and we kept", local: { a: 5 }, remote: { a: 1 }, want: "a" },
  { name: "a pusher behind by our change only", local: { a: 1, b: 1 }, remote: { a: 1 }, want: undefined },
  { name: "a pusher behind by a third node's change", local: { a: 2, c: 1 }, remote: { a: 2 }, want: undefined },
  { name: "a remote that is simply newer", local: { a: 1 }, remote: { a: 2, c: 1 }, want: undefined },
  { name: "a remote newer on top of our change", local: { a: 1, b: 1 }, remote: { a: 2, b: 1 }, want: undefined },
  { name: "equal counters cannot show a loss", local: { a: 1, b: 2 }, remote: { a: 1 }, want: undefined },
  { name: "a new path on both sides", local: {}, remote: { a: 1 }, want: undefined },
  { name: "without the pusher's name, only our own counter counts", local: { a: 3 }, remote: { a: 1 }, pusher: undefined, want: undefined },
  { name: "a pusher named as this node is not looked at twice", local: { a: 3 }, remote: { a: 1 }, pusher: "b", want: undefined },
];
for (const r of lostRows) {
  test(`whoLostHistory(): ${r.name}`, () => {
    const pusher = "pusher" in r ? r.pusher : "a";
    assert.equal(whoLostHistory(v(r.local), v(r.remote), "b", pusher), r.want);
  });
}

const keptRows = [
  { name: "our first version alone", ours: { b: 1 }, want: true },
  { name: "a later version of ours", ours: { b: 2 }, want: false },
  { name: "a version that merged a peer's", ours: { a: 1, b: 1 }, want: false },
  { name: "a peer's version", ours: { a: 1 }, want: false },
  { name: "no version", ours: {}, want: false },
];
for (const r of keptRows) {
  test(`keptOnlyByUs(): ${r.name}`, () => assert.equal(keptOnlyByUs(v(r.ours), "b"), r.want));
}
