// renameat2 through the native addon (rename-at2.ts): real files in a temp dir.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { renameAt2Loaded, RenameError, renameExchange, renameNoReplace } from "./rename-at2.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-renameat2-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the addon offers renameat2 (make build compiled it) and the kernel takes both flags here", () => {
  assert.equal(renameAt2Loaded(), true);
  writeFileSync(join(dir, "a"), "A");
  writeFileSync(join(dir, "b"), "B");
  assert.equal(renameExchange(join(dir, "a"), Buffer.from(join(dir, "b"))), true);
  assert.equal(readFileSync(join(dir, "a"), "utf8"), "B");
  assert.equal(readFileSync(join(dir, "b"), "utf8"), "A");
});

test("RENAME_NOREPLACE never replaces; failures are RenameErrors named by errno", () => {
  writeFileSync(join(dir, "x"), "X");
  writeFileSync(join(dir, "y"), "Y");
  assert.throws(() => renameNoReplace(join(dir, "x"), join(dir, "y")), (err: unknown) => err instanceof RenameError && err.code === "EEXIST" && err.errno > 0);
  assert.equal(readFileSync(join(dir, "y"), "utf8"), "Y");
  assert.equal(renameNoReplace(join(dir, "x"), join(dir, "z")), true);
  assert.equal(readFileSync(join(dir, "z"), "utf8"), "X");
  assert.throws(() => renameExchange(join(dir, "missing"), join(dir, "z")), (err: unknown) => err instanceof RenameError && err.code === "ENOENT" && err.hint !== undefined);
  assert.throws(() => renameExchange("", join(dir, "z")), TypeError);
});
