import assert from "node:assert/strict";
import { test } from "node:test";
import type { PeerFact } from "./board.js";
import { foldRun, mergeFacts, problemsText } from "./run-record.js";

const fact = (over: Partial<PeerFact> = {}): PeerFact => ({ group: "g", peer: "b", lastSyncMs: undefined, lastErrorMs: undefined, lastError: undefined, ...over });

test("foldRun(): reaching a peer moves its last sync, an error its last error, a push with refused paths both", () => {
  const before = [fact({ lastSyncMs: 10, lastErrorMs: 5, lastError: "old" }), fact({ peer: "c", lastSyncMs: 10 }), fact({ peer: "d", lastSyncMs: 10 })];
  const after = foldRun(before, [
    { group: "g", peer: "b", reached: true, error: undefined },
    { group: "g", peer: "c", reached: false, error: "unreachable" },
    { group: "g", peer: "d", reached: true, error: "1 path(s) not synced" },
    { group: "h", peer: "b", reached: true, error: undefined },
  ], 20);
  assert.deepEqual(after, [
    fact({ lastSyncMs: 20, lastErrorMs: 5, lastError: "old" }),
    fact({ peer: "c", lastSyncMs: 10, lastErrorMs: 20, lastError: "unreachable" }),
    fact({ peer: "d", lastSyncMs: 20, lastErrorMs: 20, lastError: "1 path(s) not synced" }),
    fact({ group: "h", lastSyncMs: 20 }),
  ]);
});

test("problemsText(): the count and the first path's message, or nothing", () => {
  assert.equal(problemsText([]), undefined);
  assert.equal(problemsText([{ path: "%w%/a", message: "EPERM: x" }, { path: "%w%/b", message: "y" }]), "2 path(s) not synced, first %w%/a: EPERM: x");
});

test("mergeFacts(): the later sync and the later error of the daemon's and the runs' records", () => {
  const cases: [PeerFact | undefined, PeerFact | undefined, PeerFact | undefined][] = [
    [undefined, undefined, undefined],
    [fact({ lastSyncMs: 3 }), undefined, fact({ lastSyncMs: 3 })],
    [undefined, fact({ lastErrorMs: 4, lastError: "e" }), fact({ lastErrorMs: 4, lastError: "e" })],
    [fact({ lastSyncMs: 3, lastErrorMs: 9, lastError: "daemon's" }), fact({ lastSyncMs: 7, lastErrorMs: 2, lastError: "run's" }), fact({ lastSyncMs: 7, lastErrorMs: 9, lastError: "daemon's" })],
    [fact({ lastSyncMs: 8 }), fact({ lastErrorMs: 2, lastError: "run's" }), fact({ lastSyncMs: 8, lastErrorMs: 2, lastError: "run's" })],
  ];
  for (const [a, b, want] of cases) assert.deepEqual(mergeFacts(a, b), want);
});
