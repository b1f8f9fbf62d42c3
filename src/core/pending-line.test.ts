import assert from "node:assert/strict";
import { test } from "node:test";
import { pendingLine, type PendingForm, type PendingListed } from "./pending-line.js";

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
