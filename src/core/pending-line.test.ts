import assert from "node:assert/strict";
import { test } from "node:test";
import { listedPairs, pendingLine, type IndexPair, type PendingForm, type PendingListed } from "./pending-line.js";

const row = (over: Partial<PendingListed> = {}): PendingListed => ({ forced: false, myname: "alpha", peer: "beta", path: "%data%/conf", conflict: false, ...over });

const cases: readonly { name: string; row: PendingListed; form: PendingForm; want: string }[] = [
  { name: "a pending row, csync2's columns", row: row(), form: "csync2", want: "chary\talpha\tbeta\t%data%/conf" },
  { name: "a forced row", row: row({ forced: true }), form: "csync2", want: "force\talpha\tbeta\t%data%/conf" },
  { name: "a row in conflict keeps csync2's four columns under -M", row: row({ conflict: true }), form: "csync2", want: "chary\talpha\tbeta\t%data%/conf" },
  { name: "a row in conflict is marked by list-pending", row: row({ conflict: true }), form: "peersync", want: "chary\talpha\tbeta\t%data%/conf\tconflict" },
  { name: "a forced row in conflict (settled by the next sync) is still marked", row: row({ forced: true, conflict: true }), form: "peersync", want: "force\talpha\tbeta\t%data%/conf\tconflict" },
  { name: "a row not in conflict has four columns in list-pending", row: row(), form: "peersync", want: "chary\talpha\tbeta\t%data%/conf" },
  { name: "a tab in the name cannot add a column", row: row({ path: "%data%/a\tconflict" }), form: "peersync", want: "chary\talpha\tbeta\t%data%/a\\#011conflict" },
];

for (const c of cases) test(`pendingLine() ${c.name}`, () => assert.equal(pendingLine(c.row, c.form), c.want));

const pair = (entryId: number, path: string, peer: string, over: Partial<IndexPair> = {}): IndexPair => ({ entryId, group: "g", path, peer, deleted: false, ...over });
const pend = (entryId: number, path: string, peer: string, forced = false) => ({ ...pair(entryId, path, peer), forced });
const listed = (p: IndexPair, forced: boolean, conflict: boolean, pending: boolean) => ({ ...p, forced, conflict, pending });

const pairCases: readonly { name: string; pending: ReturnType<typeof pend>[]; conflicts: IndexPair[]; form: PendingForm; want: ReturnType<typeof listed>[] }[] = [
  { name: "nothing", pending: [], conflicts: [], form: "peersync", want: [] },
  {
    name: "a pending row in conflict is marked; one of another peer is not",
    pending: [pend(1, "%d%/a", "beta"), pend(1, "%d%/a", "gamma")], conflicts: [pair(1, "%d%/a", "beta")], form: "peersync",
    want: [listed(pair(1, "%d%/a", "beta"), false, true, true), listed(pair(1, "%d%/a", "gamma"), false, false, true)],
  },
  {
    name: "a conflict with no pending row (refused a third node's version) is listed, in path order",
    pending: [pend(1, "%d%/a", "gamma"), pend(3, "%d%/c", "beta", true)], conflicts: [pair(2, "%d%/b", "alpha", { deleted: true })], form: "peersync",
    want: [listed(pair(1, "%d%/a", "gamma"), false, false, true), listed(pair(2, "%d%/b", "alpha", { deleted: true }), false, true, false), listed(pair(3, "%d%/c", "beta"), true, false, true)],
  },
  {
    name: "the same path: the conflict with no pending row sorts by peer",
    pending: [pend(1, "%d%/a", "gamma")], conflicts: [pair(1, "%d%/a", "alpha")], form: "peersync",
    want: [listed(pair(1, "%d%/a", "alpha"), false, true, false), listed(pair(1, "%d%/a", "gamma"), false, false, true)],
  },
  {
    name: "-M lists csync2's dirty rows only: a conflict with no pending row is left out",
    pending: [pend(1, "%d%/a", "gamma")], conflicts: [pair(1, "%d%/a", "alpha"), pair(2, "%d%/b", "beta")], form: "csync2",
    want: [listed(pair(1, "%d%/a", "gamma"), false, false, true)],
  },
];

for (const c of pairCases) test(`listedPairs() ${c.name}`, () => assert.deepEqual(listedPairs(c.pending, c.conflicts, c.form), c.want));
