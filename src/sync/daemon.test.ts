import assert from "node:assert/strict";
import { test } from "node:test";
import { listenAddresses } from "./daemon.js";
import { makeConfig, makeGroup, makeHost } from "../net/testing.js";

const config = (locals: [string, number][], port = 30865) =>
  makeConfig("n", "/tmp", locals.map(([address, p], i) => makeGroup(`g${i}`, "n", [makeHost("n", p, address), makeHost("peer")])), port);

const cases = [
  { name: "no group: all interfaces on the global port", config: config([], 30999), want: [{ host: "::", port: 30999 }] },
  { name: "an IP address as is", config: config([["127.0.0.1", 31001]]), want: [{ host: "127.0.0.1", port: 31001 }] },
  { name: "a host name: all interfaces", config: config([["node1.example", 31001]]), want: [{ host: "::", port: 31001 }] },
  { name: "groups sharing one address and port share a listener", config: config([["127.0.0.1", 31001], ["127.0.0.1", 31001]]), want: [{ host: "127.0.0.1", port: 31001 }] },
  { name: "a wildcard covers specific addresses on its port", config: config([["127.0.0.1", 31001], ["n", 31001], ["::1", 31002]]), want: [{ host: "::", port: 31001 }, { host: "::1", port: 31002 }] },
];
for (const c of cases) {
  test(`listenAddresses() ${c.name}`, () => assert.deepEqual(listenAddresses(c.config), c.want));
}

test("daemonOwnsQueue(): a live daemon pid other than ours owns the action queue; none, ours or a dead one does not", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { openIndex } = await import("../index/database.js");
  const { MetaStore } = await import("../index/meta.js");
  const { daemonOwnsQueue } = await import("./service.js");
  const dir = mkdtempSync(join(tmpdir(), "peersync-owner-"));
  const db = openIndex(dir);
  try {
    assert.equal(daemonOwnsQueue(db, () => true), false, "no daemon ever ran");
    new MetaStore(db).set("actions.daemon_pid", String(process.pid));
    assert.equal(daemonOwnsQueue(db, () => true), false, "we are the daemon");
    new MetaStore(db).set("actions.daemon_pid", "424242");
    assert.equal(daemonOwnsQueue(db, () => true), true);
    assert.equal(daemonOwnsQueue(db, () => false), false, "a dead daemon leaves its rows to us");
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
