// Regression for what the churn soak (churn.test.ts) found: a backup rotated every configured
// generation (one rename per generation, existing or not), so `backup-generations 1000000`
// made each backup take minutes under the receiver's lock and stalled the daemon's sessions
// (pushes timed out both ways, the cluster never converged). Rotation now touches only the
// generations that exist. The test timeout is the oracle: the old code needs minutes here.

import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { backupFile, backupPathFor } from "../../src/sync/backup.js";
import { cleanup, tempDir } from "../helpers/daemon.js";

const dir = tempDir("rotation");
after(() => cleanup(dir));

test("backups under a huge backup-generations cost what exists, and keep every version in order", { timeout: 20_000 }, async () => {
  const source = join(dir, "conf.txt");
  const options = { directory: join(dir, "backup"), generations: 1_000_000 };
  for (let v = 1; v <= 6; v++) {
    writeFileSync(source, `version ${v}\n`);
    await backupFile(source, options);
  }
  for (let g = 0; g < 6; g++) assert.equal(readFileSync(backupPathFor(options.directory, source, g), "utf8"), `version ${6 - g}\n`, `generation ${g}`);
  assert.ok(!existsSync(backupPathFor(options.directory, source, 6)));
});

test("a small backup-generations still drops the oldest", { timeout: 20_000 }, async () => {
  const source = join(dir, "small.txt");
  const options = { directory: join(dir, "backup"), generations: 3 };
  for (let v = 1; v <= 5; v++) {
    writeFileSync(source, `v${v}\n`);
    await backupFile(source, options);
  }
  assert.deepEqual([0, 1, 2].map((g) => readFileSync(backupPathFor(options.directory, source, g), "utf8")), ["v5\n", "v4\n", "v3\n"]);
  assert.ok(!existsSync(backupPathFor(options.directory, source, 3)));
});
