import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { decodeRecord, readRecord, recordedPids, recordPath, removeRecord, runtimeDir, sameProcess, writeRecord, type DaemonRecord } from "./runtime-record.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-runtime-record-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const started = Math.round(Date.now() - process.uptime() * 1000);
const record: DaemonRecord = {
  pid: process.pid, node: "a", stateDir: "/var/lib/peersync", configFile: "/etc/peersync.cfg", processStartedMs: started,
  startedAtMs: started + 100, reloads: 1, lastReload: { atMs: started + 200, ok: false, message: "Cannot reload the config: x", hint: null },
};

test("runtimeDir() is systemd's RUNTIME_DIRECTORY (its first entry), else /run/peersync", () => {
  assert.equal(runtimeDir({ RUNTIME_DIRECTORY: "/run/peersync-b" }), "/run/peersync-b");
  assert.equal(runtimeDir({ RUNTIME_DIRECTORY: "/run/one:/run/two" }), "/run/one");
  assert.equal(runtimeDir({}), "/run/peersync");
  assert.equal(runtimeDir({ RUNTIME_DIRECTORY: "" }), "/run/peersync");
});

test("writeRecord() and readRecord() round-trip; removeRecord() leaves none", () => {
  const run = join(dir, "run");
  writeRecord(run, record);
  assert.deepEqual(readRecord(run, process.pid), record);
  assert.deepEqual(recordedPids(run), [process.pid]);
  removeRecord(run, process.pid);
  assert.equal(readRecord(run, process.pid), undefined);
  assert.deepEqual(recordedPids(join(dir, "none")), []);
});

test("decodeRecord() rejects what is not a record", () => {
  assert.throws(() => decodeRecord([]), TypeError);
  assert.throws(() => decodeRecord({ ...record, reloads: "1" }), /reloads is not a whole number/);
  assert.throws(() => decodeRecord({ ...record, lastReload: { ...record.lastReload, ok: "no" } }), /lastReload\.ok/);
  writeFileSync(recordPath(dir, 1234), "{}");
  assert.throws(() => readRecord(dir, 1234), TypeError);
});

test("sameProcess() tells the daemon from a later process that got its pid", () => {
  assert.equal(sameProcess(record), true);
  assert.equal(sameProcess({ ...record, processStartedMs: started - 3_600_000 }), false, "the pid's process started an hour after the record's");
  assert.equal(sameProcess(record, join(dir, "no-proc")), true, "no /proc: cannot tell");
});
