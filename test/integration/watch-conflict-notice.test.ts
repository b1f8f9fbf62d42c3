// An `auto none` conflict in continuous mode is a standing state: the entry stays pending, and
// the pusher retries (2 s doubling to 5 min). Each retry once warned "conflict left unresolved"
// again on both nodes, a pair of lines every few seconds for a conflict nobody had touched.
// Now it is told once per pair of versions (then at debug), and told again when a side's
// version changes; status and list-pending list it all along.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cleanup, startDaemon, type LogRecord } from "../helpers/daemon.js";
import { sleep, waitFor } from "../helpers/watch.js";
import { FAST_ENV, makeCluster, type Cluster } from "./sync-cluster.js";

const told = (logs: readonly LogRecord[], level: string): number =>
  logs.filter((r) => r.level === level && /conflict left unresolved \(auto none\): %data%\/f\.txt/.test(String(r.msg))).length;

test("continuous: an auto none conflict is warned once per pair of versions, not at every retry", { timeout: 120_000 }, async () => {
  const c: Cluster = await makeCluster(["a", "b"], { extra: ["auto none;", "debounce 100ms;"], watch: true, start: false });
  try {
    const [a, b] = [c.nodes["a"]!, c.nodes["b"]!];
    // Made on each side before either daemon ran: concurrent versions, different content.
    writeFileSync(join(a.root, "f.txt"), "written on a\n");
    writeFileSync(join(b.root, "f.txt"), "written on b\n");
    for (const n of [a, b]) n.daemon = await startDaemon({ name: n.name, configFile: c.configFile, stateDir: n.state, env: FAST_ENV, args: ["-vv"] });
    const [da, db] = [a.daemon!, b.daemon!];

    // Both push at start and retry after about 2 s and 6 s: each meets the conflict 3+ times.
    const retried = (d: typeof da) => told(d.logs, "warn") + told(d.logs, "debug") >= 3;
    assert.ok(await waitFor(() => retried(da) && retried(db), 30_000), `no retries seen:\n${da.logText()}\n${db.logText()}`);
    assert.equal(told(da.logs, "warn"), 1, `a warned more than once:\n${da.logText()}`);
    assert.equal(told(db.logs, "warn"), 1, `b warned more than once:\n${db.logText()}`);
    assert.ok(told(da.logs, "debug") >= 2 && told(db.logs, "debug") >= 2, "the retries told it at debug");

    // Still listed: the conflict stands.
    const pending = await a.run(["list-pending"]);
    assert.match(pending.stdout, /f\.txt/, pending.stdout + pending.stderr);
    const status = await a.run(["status", "--json"]);
    assert.match(status.stdout, /"conflicts": ?1\b/, status.stdout);

    // A new version on a is a new conflict: told again, on both sides.
    writeFileSync(join(a.root, "f.txt"), "written on a, again\n");
    assert.ok(await waitFor(() => told(da.logs, "warn") === 2 && told(db.logs, "warn") === 2, 15_000), `${da.logText()}\n${db.logText()}`);
    await sleep(2_500); // its first retry: debug again
    assert.equal(told(da.logs, "warn"), 2, da.logText());
    assert.equal(told(db.logs, "warn"), 2, db.logText());
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});
