// An index damaged past its header (a bad disk block, a torn copy): the header read at open
// passes, a later query meets the damage. The command must name the index and say how to
// rebuild it, as it does when the whole file is garbage, not call it a bug in peersync.

import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, runCli, tempDir, writeConfig, writeKey } from "../helpers/daemon.js";

const dir = tempDir("damaged-index");
after(() => cleanup(dir));

test("a check on an index with a damaged page says the index is damaged and how to rebuild it", async () => {
  const root = join(dir, "tree");
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < 20; f++) writeKey(join(root, `d${d}`), `file-${f}.txt`, `${d}-${f}`);
  }
  const key = writeKey(dir, "g.key", "damaged");
  const config = writeConfig(dir, "peersync.cfg", [{ name: "g", hosts: ["a@127.0.0.1:1", "b@127.0.0.1:2"], keyFile: key, include: [root] }]);
  const state = join(dir, "state");
  const cli = (...args: string[]) => runCli(["-N", "a", "--config", config, "--state-dir", state, ...args]);
  const first = await cli("check");
  assert.equal(first.code, 0, first.stderr);

  // The second half of the file (entry pages, not the schema that open reads) overwritten.
  const file = join(state, "index.db");
  const size = statSync(file).size;
  assert.ok(size > 8 * 4096, `an index of several pages (${size} bytes)`);
  const from = Math.floor(size / 2 / 4096) * 4096;
  const fd = openSync(file, "r+");
  writeSync(fd, Buffer.alloc(size - from, 0xa5), 0, size - from, from);
  closeSync(fd);

  const run = await cli("check", "--full");
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^peersync: Cannot use index ".*index\.db": it is damaged \(/m);
  assert.match(run.stderr, /^hint: move it aside \(mv .*index\.db .*index\.db\.damaged\) and run `peersync check` to rebuild it/m);
  assert.doesNotMatch(run.stderr, /internal error|bug in peersync/);
  const json = await cli("list-db", "--json");
  assert.equal(JSON.parse(json.stdout).error.code, "INDEX", json.stdout + json.stderr);
});
