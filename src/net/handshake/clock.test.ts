import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import { decodeMessage, encodeMessage } from "../messages.js";
import { ClockStore, measureSkew, skewWarnMs, skewWarning } from "./clock.js";

const skews: { name: string; peer: number | undefined; received: number; sent?: number; want: number | undefined }[] = [
  { name: "an older peer sends no clock", peer: undefined, received: 1000, want: undefined },
  { name: "server side: one message, no round trip", peer: 600_000, received: 0, want: 600_000 },
  { name: "client side: the midpoint of the round trip", peer: 10_050, received: 100, sent: 0, want: 10_000 },
  { name: "a peer behind", peer: 0, received: 30_000, sent: 30_000, want: -30_000 },
  { name: "equal clocks, slow round trip", peer: 500, received: 1000, sent: 0, want: 0 },
];
for (const c of skews) {
  test(`measureSkew(): ${c.name}`, () => assert.equal(measureSkew(c.peer, c.received, c.sent), c.want));
}

const warnings: { skew: number | undefined; threshold: number; want: RegExp | undefined }[] = [
  { skew: undefined, threshold: 30_000, want: undefined },
  { skew: 30_000, threshold: 30_000, want: undefined },
  { skew: -29_000, threshold: 30_000, want: undefined },
  { skew: 600_000, threshold: 30_000, want: /^clock of c is 600 s ahead of this node's \(more than 30 s\)/ },
  { skew: -45_400, threshold: 30_000, want: /^clock of c is 45 s behind this node's/ },
];
for (const w of warnings) {
  test(`skewWarning(): ${w.skew} ms against ${w.threshold} ms`, () => {
    const got = skewWarning("c", w.skew, w.threshold);
    if (w.want === undefined) assert.equal(got, undefined);
    else assert.match(got ?? "", w.want);
  });
}

test("skewWarnMs(): 30 s unless PEERSYNC_CLOCK_SKEW_WARN_MS says otherwise (a bad value is ignored)", () => {
  assert.equal(skewWarnMs({}), 30_000);
  assert.equal(skewWarnMs({ PEERSYNC_CLOCK_SKEW_WARN_MS: "5000" }), 5_000);
  assert.equal(skewWarnMs({ PEERSYNC_CLOCK_SKEW_WARN_MS: "-1" }), 30_000);
  assert.equal(skewWarnMs({ PEERSYNC_CLOCK_SKEW_WARN_MS: "soon" }), 30_000);
});

test("hello and hello-ack carry the clock, and decode without it (older peers)", () => {
  const hello = { type: "hello", versions: [[1, 0]], node: "a", group: "g", to: "b", software: "x", clockMs: 1_796_000_000_000 } as const;
  const { kind, body } = encodeMessage(hello);
  assert.deepEqual(decodeMessage(kind, body), hello);
  const { clockMs: _omit, ...old } = hello;
  const again = encodeMessage(old);
  assert.equal("clockMs" in decodeMessage(again.kind, again.body), false);
  const bad = Buffer.from(JSON.stringify({ ...old, clockMs: -5 }));
  assert.throws(() => decodeMessage(kind, bad));
});

test("ClockStore keeps the last skew per (group, peer) and skips rows it cannot read", () => {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const store = new ClockStore(db as never);
  store.record({ group: "g", peer: "c", skewMs: 1, atMs: 10 });
  store.record({ group: "g", peer: "c", skewMs: 600_000, atMs: 20 });
  store.record({ group: "h", peer: "b", skewMs: -3, atMs: 30 });
  db.prepare("INSERT INTO meta VALUES ('peer_clock/g/x', 'not json')").run();
  db.prepare("INSERT INTO meta VALUES ('schema_version', '6')").run();
  assert.deepEqual(store.all(), [
    { group: "g", peer: "c", skewMs: 600_000, atMs: 20 },
    { group: "h", peer: "b", skewMs: -3, atMs: 30 },
  ]);
});
