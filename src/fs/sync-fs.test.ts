import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { batchDurability, kernelReportsSyncfsErrors, nativeSyncfs } from "./sync-fs.js";

test("kernelReportsSyncfsErrors(): Linux 5.8 and later only", () => {
  for (const [release, want] of [["6.1.0-18-amd64", true], ["5.8.0", true], ["5.10.0-28-cloud-amd64", true], ["5.7.19", false], ["4.19.0-26-amd64", false], ["", false], ["weird", false]] as const) {
    assert.equal(kernelReportsSyncfsErrors(release), want, release);
  }
});

test("batchDurability() syncs each filesystem once through the directories it watched", async () => {
  const dir = mkdtempSync(join(tmpdir(), "peersync-syncfs-"));
  try {
    const calls: number[][] = [];
    const d = batchDurability(async (fds) => (calls.push([...fds]), 1));
    assert.equal(d.defersFileSync, true);
    d.watch(dir);
    d.watch(dir); // a directory is opened once
    writeFileSync(join(dir, "f"), "x");
    await d.syncData();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.length, 1);
    d.close();
    // Without syncfs, every temp file keeps its own fsync and syncData has nothing to do.
    const plain = batchDurability(null);
    assert.equal(plain.defersFileSync, false);
    plain.watch(dir);
    await plain.syncData();
    plain.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the native syncfs is used from Linux 5.8 on: it syncs real descriptors and refuses a bad one", async () => {
  if (!kernelReportsSyncfsErrors(release())) {
    assert.equal(nativeSyncfs(), undefined, "syncfs reports no errors before Linux 5.8: never used there");
    return;
  }
  assert.equal(typeof nativeSyncfs(), "function", "native/ (peersync_fs) is built by make build");
  const dir = mkdtempSync(join(tmpdir(), "peersync-syncfs-"));
  try {
    const d = batchDurability();
    d.watch(dir);
    writeFileSync(join(dir, "f"), "x");
    await d.syncData();
    d.close();
    await assert.rejects(nativeSyncfs()!([987654]), (err: { errno?: number }) => err.errno === 9); // EBADF
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a failed syncfs rejects with the errno's name as its code (the batch's answers carry it)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "peersync-syncfs-"));
  try {
    const d = batchDurability(() => Promise.reject(Object.assign(new Error("syncfs: Input/output error"), { errno: 5 })));
    d.watch(dir);
    await assert.rejects(d.syncData(), (err: { code?: string }) => err.code === "EIO");
    d.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
