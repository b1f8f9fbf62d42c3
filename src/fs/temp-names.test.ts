// Temp names (temp-names.ts): what counts as one, and the sweep of leftovers after a crash.

import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isTempName, removeTemps, tempName } from "./temp-names.js";
import { caseDirs, namesIn } from "./testing.js";

const freshDir = caseDirs("temp-names");
const names = namesIn;

test("removeTemps() removes only leftover temp files directly in the directory", async () => {
  const dir = await freshDir();
  const temp = ".peersync-tmp-0123456789abcdef";
  await fsp.writeFile(join(dir, temp), "");
  await fsp.symlink("nowhere", join(dir, ".peersync-tmp-fedcba9876543210"));
  await fsp.writeFile(join(dir, ".peersync-tmp-short"), "");
  await fsp.writeFile(join(dir, "keep"), "");
  await fsp.mkdir(join(dir, ".peersync-tmp-aaaaaaaaaaaaaaaa"));
  await fsp.writeFile(join(dir, ".peersync-tmp-aaaaaaaaaaaaaaaa", ".peersync-tmp-bbbbbbbbbbbbbbbb"), "");
  const removed = await removeTemps(dir);
  assert.deepEqual(removed.sort(), [join(dir, temp), join(dir, ".peersync-tmp-fedcba9876543210")]);
  assert.deepEqual(await names(dir), [".peersync-tmp-aaaaaaaaaaaaaaaa", ".peersync-tmp-short", "keep"]);
});

test("removeTemps() leaves temp files younger than minAgeMs", async () => {
  const dir = await freshDir();
  await fsp.writeFile(join(dir, ".peersync-tmp-0123456789abcdef"), "");
  assert.deepEqual(await removeTemps(dir, { minAgeMs: 60_000 }), []);
  assert.equal((await removeTemps(dir, { minAgeMs: 60_000, nowMs: Date.now() + 120_000 })).length, 1);
});

test("isTempName() matches exactly the names tempName() makes, with this process's pid first", () => {
  const made = tempName();
  assert.equal(isTempName(made), true);
  assert.equal(Number.parseInt(made.slice(".peersync-tmp-".length, ".peersync-tmp-".length + 8), 16), process.pid % 0x1_0000_0000);
  assert.notEqual(tempName(), made);
  assert.equal(isTempName(".peersync-tmp-0123456789abcdef"), true);
  assert.equal(isTempName(".peersync-tmp-0123456789ABCDEF"), false);
  assert.equal(isTempName("peersync-tmp-0123456789abcdef"), false);
});
