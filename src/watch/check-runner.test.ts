import assert from "node:assert/strict";
import { test } from "node:test";
import { reasonLabel } from "./check-runner.js";

const cases = [
  { reason: "start", want: "start" },
  { reason: "rescan-interval", want: "rescan-interval" },
  { reason: "watcher: vanished", want: "watcher" },
  { reason: "watcher: rewatch", want: "watcher" },
  { reason: "more than 10000 paths changed before they could be checked", want: "overflow" },
  { reason: "reload", want: "other" },
] as const;
for (const c of cases) {
  test(`reasonLabel() labels "${c.reason}" as ${c.want}`, () => assert.equal(reasonLabel(c.reason), c.want));
}
