import assert from "node:assert/strict";
import { test } from "node:test";
import type { PeerFact } from "./board.js";
import { foldRun, mergeFacts } from "./run-record.js";

const fact = (over: Partial<PeerFact> = {}): PeerFact => ({ group: "g", peer: "b", lastSyncMs: undefined, lastErrorMs: undefined, lastError: undefined, ...over });

test("foldRun(): a reached peer's last sync moves and keeps its old error; a failed one's error moves and keeps its last sync", () => {
  const before = [fact({ lastSyncMs: 10, lastErrorMs: 5, lastError: "old" }), fact({ peer: "c", lastSyncMs: 10 })];
  const after = foldRun(before, [{ group: "g", peer: "b", error: undefined }, { group: "g", peer: "c", error: "refused" }, { group: "h", peer: "b", error: undefined }], 20);
  assert.deepEqual(after, [
    fact({ lastSyncMs: 20, lastErrorMs: 5, lastError: "old" }),
    fact({ peer: "c", lastSyncMs: 10, lastErrorMs: 20, lastError: "refused" }),
    fact({ group: "h", lastSyncMs: 20 }),
  ]);
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
