import assert from "node:assert/strict";
import { test } from "node:test";
import { ago, formatStatus, inTime, statusJson, type PeerStatus, type StatusReport } from "./report.js";

const NOW = Date.UTC(2026, 10, 23, 20, 0, 0);

function peer(over: Partial<PeerStatus> = {}): PeerStatus {
  return {
    name: "b", address: "10.0.0.2", port: 30865, receiveOnly: false, pending: 3, conflicts: 0,
    lastSyncMs: undefined, lastErrorMs: undefined, lastError: undefined,
    reachable: undefined, probeError: undefined, hint: undefined, remoteUptimeS: undefined, ...over,
  };
}

function actions(over: Partial<StatusReport["actions"]> = {}): StatusReport["actions"] {
  return { queued: 0, last: undefined, runs: 0, failed: 0, timedOut: 0, lastFailure: undefined, byGroup: {}, ...over };
}

function report(over: Partial<StatusReport> = {}): StatusReport {
  return {
    node: "a", fingerprint: "AB:CD", stateDir: "/var/lib/peersync", indexExists: true, daemon: undefined,
    groups: [{ name: "web", localName: "a", receiveOnly: false, watch: true, pending: 3, conflicts: 0, conflictPaths: [], drift: undefined, losses: undefined, peers: [peer()], formerPeers: [] }],
    actions: actions(), ...over,
  };
}

const lastLoss = { group: "web", path: "%www%/index.html", backup: "/var/lib/peersync/backup/srv/www/index.html", reason: "conflict (younger)", peer: "b", atMs: NOW - 120_000 };

const cases: readonly { name: string; report: StatusReport; want: readonly (string | RegExp)[] }[] = [
  {
    // Removed from the group before the next sync: the group's count must add up with the lines.
    name: "a host removed from the group with rows still pending here",
    report: report({
      groups: [{ name: "web", localName: "a", receiveOnly: false, watch: false, pending: 5, conflicts: 0, conflictPaths: [], drift: undefined, losses: undefined, peers: [peer()], formerPeers: [{ name: "c", pending: 2 }] }],
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/,
      "group web (as a): pending 5, conflicts 0",
      "  peer b 10.0.0.2:30865: not probed, pending 3, conflicts 0, never synced",
      "  former peer c (no longer a host of the group): pending 2; the next sync or update drops them",
      "actions: 0 queued",
    ],
  },
  {
    name: "a node that never ran a daemon",
    report: report(),
    want: [
      "node a  fingerprint AB:CD",
      "state /var/lib/peersync",
      "daemon: no record (never ran with this state dir)",
      "group web (as a): pending 3, conflicts 0",
      "  peer b 10.0.0.2:30865: not probed, pending 3, conflicts 0, never synced",
      "actions: 0 queued",
    ],
  },
  {
    name: "a running daemon with a watcher that fell back to polling",
    report: report({
      daemon: {
        pid: 42, running: true, updatedAtMs: NOW, nextFullCheck: { web: NOW + 300_000, other: NOW + 900_000 },
        lastFullCheck: { atMs: NOW - 90_000, scope: "full", durationMs: 12, changes: 0, reason: "start" }, lastCheck: undefined,
        watch: [{ group: "web", root: "/srv/www", local: "/srv/www", state: "polling", reason: "inotify limit" }], halts: [],
      },
      groups: [{
        name: "web", localName: "a", receiveOnly: false, watch: true, pending: 0, conflicts: 2, conflictPaths: undefined, drift: undefined, losses: undefined, formerPeers: [],
        peers: [peer({ pending: 0, conflicts: 2, lastSyncMs: NOW - 5_000, lastError: "refused", lastErrorMs: NOW - 60_000 })],
      }],
      actions: actions({ queued: 1, last: { group: "web", atMs: NOW - 30_000, ok: false, message: "exit 3" } }),
    }),
    want: [
      /^node a/, /^state/,
      "daemon: running, pid 42, last full check 90 s ago, next in 5 min",
      "  watch web /srv/www: polling (inotify limit)",
      "group web (as a): pending 0, conflicts 2",
      // An error older than the last sync is history, not news.
      "  peer b 10.0.0.2:30865: not probed, pending 0, conflicts 2, last sync 5 s ago",
      "actions: 1 queued, last FAILED 30 s ago (web: exit 3)",
    ],
  },
  {
    name: "a running daemon whose groups are all `watch no` (it checks nothing on its own), and one still at its first check",
    report: report({
      daemon: { pid: 9, running: true, updatedAtMs: NOW, watch: [], halts: [], lastFullCheck: undefined, lastCheck: undefined, nextFullCheck: {} },
      groups: [{ name: "web", localName: "a", receiveOnly: false, watch: false, pending: 0, conflicts: 0, conflictPaths: [], drift: undefined, losses: undefined, peers: [peer({ pending: 0 })], formerPeers: [] }],
    }),
    want: [
      /^node a/, /^state/,
      "daemon: running, pid 9, no group watched (changes go out when `peersync -x` runs)",
      /^group web/, /^  peer b/, /^actions/,
    ],
  },
  {
    name: "a running daemon whose last check left a root alone as unmounted",
    report: report({
      daemon: {
        pid: 9, running: true, updatedAtMs: NOW, watch: [], halts: [], nextFullCheck: {},
        lastFullCheck: { atMs: NOW - 60_000, scope: "full", durationMs: 5, changes: 0, reason: "start" },
        lastCheck: { atMs: NOW - 4_000, scope: "paths", durationMs: 1, changes: 0, reason: "watcher", safetyStop: "%www%: Cannot check root: it vanished or is empty" },
      },
    }),
    want: [
      /^node a/, /^state/, "daemon: running, pid 9, last full check 60 s ago",
      "  SAFETY STOP at the last check, 4 s ago: %www%: Cannot check root: it vanished or is empty",
      /^group web/, /^  peer b/, /^actions/,
    ],
  },
  {
    name: "a running daemon that halted a group whose include root looks unmounted",
    report: report({
      daemon: {
        pid: 9, running: true, updatedAtMs: NOW, nextFullCheck: {}, lastFullCheck: undefined, lastCheck: undefined,
        watch: [{ group: "web", root: "%disk%", local: "/mnt/disk", state: "polling", reason: "looks unmounted: watched again once it is back" }],
        halts: [{ group: "web", root: "%disk%", local: "/mnt/disk", sinceMs: NOW - 12_000, message: "Cannot push group" }],
      },
    }),
    want: [
      /^node a/, /^state/, /^daemon: running/,
      "  watch web %disk%: polling (looks unmounted: watched again once it is back)",
      "  HALTED group web since 12 s ago: include root %disk% (/mnt/disk) looks unmounted; nothing is pushed until it is back (mount it again, or fix the config and reload)",
      /^group web/, /^  peer b/, /^actions/,
    ],
  },
  {
    name: "a running daemon before its first full check",
    report: report({ daemon: { pid: 9, running: true, updatedAtMs: NOW, watch: [], halts: [], lastFullCheck: undefined, lastCheck: undefined, nextFullCheck: {} } }),
    want: [/^node a/, /^state/, "daemon: running, pid 9, no full check yet", /^group web/, /^  peer b/, /^actions/],
  },
  {
    name: "a receive-only node with drift and an unreachable peer",
    report: report({
      fingerprint: undefined,
      daemon: { pid: 7, running: false, updatedAtMs: NOW - 7_200_000, watch: [], halts: [], lastFullCheck: undefined, lastCheck: undefined, nextFullCheck: {} },
      groups: [{
        name: "web", localName: "web1", receiveOnly: true, watch: true, pending: 0, conflicts: undefined, conflictPaths: undefined, drift: 4, losses: { count: 0, sinceMs: undefined, kept: 0, notKept: 0, last: undefined }, formerPeers: [],
        peers: [peer({ pending: 0, conflicts: undefined, reachable: false, probeError: "ECONNREFUSED" })],
      }],
    }),
    want: [
      "node a  fingerprint none yet (made when the daemon first starts)",
      /^state/,
      "daemon: not running (pid 7 last reported 2 h ago)",
      "group web (as web1, receive-only): pending 0, conflicts unknown, drift 4",
      "  peer b 10.0.0.2:30865: UNREACHABLE (ECONNREFUSED), pending 0, conflicts unknown, never synced",
      "actions: 0 queued",
    ],
  },
  {
    name: "an unreachable peer with a hint: the hint on its own line under the peer's, as sync says it",
    report: report({
      groups: [{
        name: "web", localName: "a", receiveOnly: false, watch: true, pending: 0, conflicts: 0, conflictPaths: [], drift: undefined, losses: undefined, formerPeers: [],
        peers: [peer({ pending: 0, reachable: false, probeError: "connect ECONNREFUSED 10.0.0.2:30865", hint: "is the peersync daemon running on b?" })],
      }],
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/,
      "group web (as a): pending 0, conflicts 0",
      "  peer b 10.0.0.2:30865: UNREACHABLE (connect ECONNREFUSED 10.0.0.2:30865), pending 0, conflicts 0, never synced",
      "    hint: is the peersync daemon running on b?",
      "actions: 0 queued",
    ],
  },
  {
    name: "versions that lost here: how many since when, how many copies are left, and the latest",
    report: report({
      groups: [{
        name: "web", localName: "a", receiveOnly: false, watch: true, pending: 0, conflicts: 0, conflictPaths: [], drift: undefined,
        losses: { count: 4, sinceMs: NOW - 3 * 3_600_000, kept: 2, notKept: 0, last: lastLoss },
        peers: [peer({ pending: 0 })], formerPeers: [],
      }],
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/,
      "group web (as a): pending 0, conflicts 0",
      "  lost here: 4 version(s) since 3 h ago, 2 still in the backup directory; last 2 min ago: %www%/index.html, conflict (younger), to b, kept as /var/lib/peersync/backup/srv/www/index.html",
      /^  peer b/, /^actions/,
    ],
  },
  {
    name: "versions lost here with no copy (backup-generations 0): counted apart, the latest said not kept",
    report: report({
      groups: [{
        name: "web", localName: "a", receiveOnly: false, watch: true, pending: 0, conflicts: 0, conflictPaths: [], drift: undefined,
        losses: { count: 3, sinceMs: NOW - 3 * 3_600_000, kept: 1, notKept: 2, last: { ...lastLoss, backup: null } },
        peers: [peer({ pending: 0 })], formerPeers: [],
      }],
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/,
      "group web (as a): pending 0, conflicts 0",
      "  lost here: 3 version(s) since 3 h ago, 1 still in the backup directory, 2 not kept (backup-generations 0); last 2 min ago: %www%/index.html, conflict (younger), to b, not kept (backup-generations 0)",
      /^  peer b/, /^actions/,
    ],
  },
  {
    name: "versions that lost here, the backup directory not readable by this user",
    report: report({
      groups: [{
        name: "web", localName: "a", receiveOnly: false, watch: true, pending: 0, conflicts: 0, conflictPaths: [], drift: undefined,
        losses: { count: 1, sinceMs: NOW - 120_000, kept: undefined, notKept: 0, last: lastLoss },
        peers: [peer({ pending: 0 })], formerPeers: [],
      }],
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/,
      "group web (as a): pending 0, conflicts 0",
      "  lost here: 1 version(s) since 2 min ago, their copies not counted (the backup directory cannot be read here); last 2 min ago: %www%/index.html, conflict (younger), to b, kept as /var/lib/peersync/backup/srv/www/index.html",
      /^  peer b/, /^actions/,
    ],
  },
  {
    name: "conflicts left by auto none: each path with its peer, and how to settle one",
    report: report({
      groups: [{
        name: "web", localName: "a", receiveOnly: false, watch: true, pending: 2, conflicts: 2, drift: undefined, losses: undefined, formerPeers: [],
        conflictPaths: [{ path: "%www%/a.conf", peer: "b", detectedMs: NOW - 5_000 }, { path: "%www%/new\nline", peer: "c", detectedMs: NOW - 600_000 }],
        peers: [peer({ pending: 1, conflicts: 1 }), peer({ name: "c", pending: 1, conflicts: 1 })],
      }],
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/,
      "group web (as a): pending 2, conflicts 2",
      "  conflict with b since 5 s ago: %www%/a.conf",
      "  conflict with c since 10 min ago: %www%/new\\#012line",
      "  both versions stand (auto none): `peersync force PATH` on the node whose version should win settles one",
      /^  peer b/, /^  peer c/, /^actions/,
    ],
  },
  {
    name: "more conflicts than it names: how many more, and where all are",
    report: report({
      groups: [{
        name: "web", localName: "a", receiveOnly: false, watch: true, pending: 25, conflicts: 25, drift: undefined, losses: undefined, formerPeers: [],
        conflictPaths: Array.from({ length: 20 }, (_, i) => ({ path: `%www%/f${String(i).padStart(2, "0")}`, peer: "b", detectedMs: NOW })),
        peers: [peer({ pending: 25, conflicts: 25 })],
      }],
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/, /^group web/,
      ...Array.from({ length: 20 }, (_, i) => `  conflict with b since 0 s ago: %www%/f${String(i).padStart(2, "0")}`),
      "  and 5 more; `peersync list-pending` lists all",
      /^  both versions stand/, /^  peer b/, /^actions/,
    ],
  },
  {
    name: "action runs with failures, the last failure older than the last run",
    report: report({
      actions: actions({
        queued: 0, runs: 5, failed: 2, timedOut: 1,
        last: { group: "web", atMs: NOW - 10_000, ok: true, message: undefined },
        lastFailure: { group: "web", atMs: NOW - 60_000, ok: false, message: "sleep 9: timed out after 1000 ms" },
      }),
    }),
    want: [
      /^node a/, /^state/, /^daemon: no record/, /^group web/, /^  peer b/,
      "actions: 0 queued, 5 run(s), 2 FAILED (1 timed out), last ok 10 s ago (web)",
      "  last failure 60 s ago (web: sleep 9: timed out after 1000 ms)",
    ],
  },
];

for (const c of cases) {
  test(`formatStatus() shows ${c.name}`, () => {
    const got = formatStatus(c.report, NOW);
    assert.equal(got.length, c.want.length, got.join("\n"));
    c.want.forEach((w, i) => (typeof w === "string" ? assert.equal(got[i], w) : assert.match(got[i]!, w)));
  });
}

test("statusJson() writes null for unknowns, so every key is always there", () => {
  const parsed = JSON.parse(statusJson(report({ fingerprint: undefined })));
  assert.equal(parsed.fingerprint, null);
  assert.equal(parsed.daemon, null);
  assert.deepEqual(Object.keys(parsed.groups[0].peers[0]).sort(), Object.keys(peer()).sort());
  assert.equal(parsed.groups[0].peers[0].lastSyncMs, null);
});

test("inTime() says how long until a time, or now once it is due", () => {
  assert.equal(inTime(NOW + 300_000, NOW), "in 5 min");
  assert.equal(inTime(NOW + 5_000, NOW), "in 5 s");
  assert.equal(inTime(NOW - 1, NOW), "now");
});

test("ago() picks a readable unit", () => {
  assert.equal(ago(NOW - 5_000, NOW), "5 s ago");
  assert.equal(ago(NOW - 600_000, NOW), "10 min ago");
  assert.equal(ago(NOW - 3 * 3_600_000, NOW), "3 h ago");
  assert.equal(ago(NOW - 3 * 86_400_000, NOW), "3 d ago");
  assert.equal(ago(NOW + 5_000, NOW), "0 s ago");
});
