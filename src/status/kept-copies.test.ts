import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { copyPaths, countPresent } from "./kept-copies.js";

const cases: readonly { name: string; byBackup: { backup: string; n: number }[]; want: string[] }[] = [
  { name: "no losses: nothing to look for", byBackup: [], want: [] },
  { name: "one loss: the newest copy", byBackup: [{ backup: "/b/etc/hosts", n: 1 }], want: ["/b/etc/hosts"] },
  {
    name: "a path lost three times: its three newest generations",
    byBackup: [{ backup: "/b/etc/hosts", n: 3 }], want: ["/b/etc/hosts", "/b/etc/hosts.1", "/b/etc/hosts.2"],
  },
  {
    name: "two paths, each on its own",
    byBackup: [{ backup: "/b/x", n: 2 }, { backup: "/b/y", n: 1 }], want: ["/b/x", "/b/x.1", "/b/y"],
  },
];
for (const c of cases) test(`copyPaths() ${c.name}`, () => assert.deepEqual(copyPaths(c.byBackup), c.want));

test("countPresent() counts what exists; a missing directory or a file in the way counts as absent", () => {
  const dir = mkdtempSync(join(tmpdir(), "peersync-kept-"));
  try {
    mkdirSync(join(dir, "etc"));
    writeFileSync(join(dir, "etc/hosts"), "x");
    writeFileSync(join(dir, "etc/hosts.1"), "x");
    assert.equal(countPresent([join(dir, "etc/hosts"), join(dir, "etc/hosts.1"), join(dir, "etc/hosts.2"), join(dir, "gone/f"), join(dir, "etc/hosts/under")]), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
