import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntryState } from "./entry.js";
import { file, gone } from "./testing-entries.js";
import { canPurgeTombstone, DEFAULT_TOMBSTONE_RETENTION_MS, passesDeletionOn, relayPeers, tombstoneStatus, type Tombstone } from "./tombstone.js";

const DAY = 24 * 60 * 60 * 1000;
const deletedAtMs = 1_700_000_000_000;
const stone = (acked: string[]): Tombstone => ({ deletedAtMs, peers: ["a", "b"], acknowledgedBy: new Set(acked) });

const cases: { name: string; t: Tombstone; nowMs: number; retentionMs?: number; want: boolean }[] = [
  { name: "keeps a fresh tombstone every peer acknowledged", t: stone(["a", "b"]), nowMs: deletedAtMs + DAY, want: false },
  { name: "keeps an old tombstone a peer has not acknowledged", t: stone(["a"]), nowMs: deletedAtMs + 365 * DAY, want: false },
  { name: "purges an acknowledged tombstone after 30 days", t: stone(["b", "a"]), nowMs: deletedAtMs + 30 * DAY, want: true },
  { name: "keeps it one millisecond before 30 days", t: stone(["a", "b"]), nowMs: deletedAtMs + 30 * DAY - 1, want: false },
  { name: "honours a shorter retention", t: stone(["a", "b"]), nowMs: deletedAtMs + 2 * DAY, retentionMs: DAY, want: true },
  { name: "keeps a tombstone dated in the future (clock skew)", t: stone(["a", "b"]), nowMs: deletedAtMs - DAY, retentionMs: 0, want: false },
  { name: "purges when the group has no peers left", t: { deletedAtMs, peers: [], acknowledgedBy: new Set() }, nowMs: deletedAtMs + 31 * DAY, want: true },
  { name: "ignores acknowledgements from hosts no longer peers", t: { deletedAtMs, peers: ["a"], acknowledgedBy: new Set(["z"]) }, nowMs: deletedAtMs + 31 * DAY, want: false },
];
for (const c of cases) {
  test(`canPurgeTombstone() ${c.name}`, () => {
    const options = c.retentionMs === undefined ? { nowMs: c.nowMs } : { nowMs: c.nowMs, retentionMs: c.retentionMs };
    assert.equal(canPurgeTombstone(c.t, options), c.want);
  });
}

test("tombstoneStatus() names the peers still to acknowledge and the retention end", () => {
  assert.deepEqual(tombstoneStatus(stone(["b"]), { nowMs: deletedAtMs }), {
    purgeable: false,
    waitingFor: ["a"],
    keepUntilMs: deletedAtMs + DEFAULT_TOMBSTONE_RETENTION_MS,
  });
});

const relayCases: { name: string; peers: string[]; from: string; receiveOnly: boolean; want: string[] }[] = [
  { name: "holds a deletion from one peer for every other", peers: ["alpha", "gamma", "delta"], from: "alpha", receiveOnly: false, want: ["gamma", "delta"] },
  { name: "holds nothing in a group of two", peers: ["alpha"], from: "alpha", receiveOnly: false, want: [] },
  { name: "holds it for every peer when it came from a host no longer one", peers: ["alpha", "gamma"], from: "zeta", receiveOnly: false, want: ["alpha", "gamma"] },
  { name: "holds nothing on a receive-only host, which never pushes", peers: ["alpha", "gamma"], from: "alpha", receiveOnly: true, want: [] },
];
for (const c of relayCases) {
  test(`relayPeers() ${c.name}`, () => {
    assert.deepEqual(relayPeers(c.peers, c.from, { receiveOnly: c.receiveOnly }), c.want);
  });
}

test("tombstoneStatus() waits for no host removed from the group, whatever its rows", () => {
  // beta relayed alpha's deletion: pending for gamma, which then left the group.
  const t = { deletedAtMs, peers: ["alpha"], acknowledgedBy: new Set(["alpha"]) };
  assert.deepEqual(tombstoneStatus(t, { nowMs: deletedAtMs + 31 * DAY }), { purgeable: true, waitingFor: [], keepUntilMs: deletedAtMs + 30 * DAY });
});

// This node is beta; alpha made the file ({alpha: 1}) and deleted it ({alpha: 2}).
const passOnCases: { name: string; local: EntryState | undefined; remote: EntryState; want: boolean }[] = [
  { name: "keeps and passes on a deletion of a path never known here", local: undefined, remote: gone({ vector: { alpha: 2 } }), want: true },
  { name: "passes on a newer deletion over an older tombstone", local: gone({ vector: { alpha: 2 } }), remote: gone({ vector: { alpha: 4 } }), want: true },
  { name: "passes on a deletion concurrent with its tombstone (the merge is news to both sides' peers)", local: gone({ vector: { alpha: 2, beta: 1 }, by: "beta" }), remote: gone({ vector: { alpha: 3 } }), want: true },
  { name: "passes nothing on for the tombstone it holds already", local: gone({ vector: { alpha: 2 } }), remote: gone({ vector: { alpha: 2 } }), want: false },
  { name: "passes nothing on for an older deletion than its tombstone", local: gone({ vector: { alpha: 4 } }), remote: gone({ vector: { alpha: 2 } }), want: false },
  { name: "leaves a deletion of a live entry to the apply (which relays it)", local: file({ vector: { alpha: 1 } }), remote: gone({ vector: { alpha: 2 } }), want: false },
  { name: "passes nothing on for a file", local: undefined, remote: file({ vector: { alpha: 1 } }), want: false },
  { name: "passes nothing on for a deletion with no history (nothing to hold)", local: undefined, remote: gone({ vector: {} }), want: false },
];
for (const c of passOnCases) {
  test(`passesDeletionOn() ${c.name}`, () => {
    assert.equal(passesDeletionOn(c.local, c.remote), c.want);
  });
}
