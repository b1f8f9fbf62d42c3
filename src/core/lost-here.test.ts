import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntryKind } from "./entry.js";
import { addLost, lostHereText, lostKeep, NO_LOSSES, sumLost, type LostCounts, type LostKeep } from "./lost-here.js";

const keeps: readonly { name: string; kind: EntryKind; backedUp: boolean; want: LostKeep }[] = [
  { name: "a file with a copy", kind: "file", backedUp: true, want: "backedUp" },
  { name: "a symlink with a copy", kind: "symlink", backedUp: true, want: "backedUp" },
  { name: "a deletion: nothing to back up", kind: "deleted", backedUp: false, want: "deletions" },
  { name: "a directory: no content to keep", kind: "dir", backedUp: false, want: "directories" },
  { name: "a file without a copy (backup-generations 0)", kind: "file", backedUp: false, want: "notKept" },
  { name: "a symlink without a copy (backup-generations 0)", kind: "symlink", backedUp: false, want: "notKept" },
];
for (const c of keeps) test(`lostKeep() ${c.name}`, () => assert.equal(lostKeep(c.kind, c.backedUp), c.want));

const counts = (c: Partial<LostCounts>): LostCounts => ({ ...NO_LOSSES, ...c });
const texts: readonly { name: string; counts: LostCounts; want: string }[] = [
  { name: "nothing lost", counts: NO_LOSSES, want: "0 lost here" },
  { name: "every loss backed up", counts: counts({ backedUp: 2 }), want: "2 lost here: 2 backed up" },
  { name: "a deletion only: backed up says 0", counts: counts({ deletions: 1 }), want: "1 lost here: 0 backed up, 1 deletion" },
  { name: "backup-generations 0", counts: counts({ notKept: 2 }), want: "2 lost here: 0 backed up, 2 not kept (backup-generations 0)" },
  {
    name: "every way at once, plurals",
    counts: counts({ backedUp: 1, deletions: 2, directories: 2, notKept: 1 }),
    want: "6 lost here: 1 backed up, 2 deletions, 2 directories, 1 not kept (backup-generations 0)",
  },
  { name: "one directory", counts: counts({ directories: 1 }), want: "1 lost here: 0 backed up, 1 directory" },
];
for (const c of texts) test(`lostHereText() ${c.name}`, () => assert.equal(lostHereText(c.counts), c.want));

test("addLost() counts one way and leaves the others", () => {
  assert.deepEqual(addLost(addLost(NO_LOSSES, "deletions"), "backedUp", 2), counts({ backedUp: 2, deletions: 1 }));
});

test("sumLost() adds each way", () => {
  assert.deepEqual(sumLost(counts({ backedUp: 1, notKept: 2 }), counts({ backedUp: 1, deletions: 1, directories: 3 })), counts({ backedUp: 2, deletions: 1, directories: 3, notKept: 2 }));
});
