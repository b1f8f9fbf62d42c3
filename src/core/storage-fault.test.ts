import assert from "node:assert/strict";
import { test } from "node:test";
import { describeStorageFault, storageFaultOf, type StorageFault } from "./storage-fault.js";

const codes: readonly { code: unknown; want: StorageFault | undefined }[] = [
  { code: "ENOSPC", want: "full" },
  { code: "SQLITE_FULL", want: "full" },
  { code: "EDQUOT", want: "quota" },
  { code: "EROFS", want: "read-only" },
  { code: "SQLITE_READONLY", want: "read-only" },
  { code: "SQLITE_READONLY_DIRECTORY", want: "read-only" },
  { code: "EACCES", want: "denied" },
  { code: "EPERM", want: "denied" },
  { code: "EIO", want: "io" },
  { code: "SQLITE_IOERR", want: "io" },
  { code: "SQLITE_IOERR_FSYNC", want: "io" },
  // Not the disk's doing: damage, a busy writer, a missing file, a bug.
  { code: "SQLITE_CORRUPT", want: undefined },
  { code: "SQLITE_BUSY", want: undefined },
  { code: "SQLITE_READONLYX", want: undefined },
  { code: "ENOENT", want: undefined },
  { code: "EEXIST", want: undefined },
  { code: undefined, want: undefined },
  { code: 28, want: undefined },
];

for (const c of codes) {
  test(`storageFaultOf(${JSON.stringify(c.code)}) is ${String(c.want)}`, () => assert.equal(storageFaultOf(c.code), c.want));
}

const faults: readonly StorageFault[] = ["full", "quota", "read-only", "denied", "io"];
for (const fault of faults) {
  test(`describeStorageFault(${fault}) names the directory and never says to move the index aside`, () => {
    const { reason, hint } = describeStorageFault(fault, "/var/lib/peersync");
    assert.ok(reason.length > 0 && !reason.endsWith("."));
    assert.match(hint, /\/var\/lib\/peersync/);
    assert.doesNotMatch(hint, /move it aside|rebuild/);
  });
}

test("describeStorageFault(full) says how to see the space", () => {
  assert.match(describeStorageFault("full", "/s").hint, /^free space on the file system of \/s \(df -h \/s\)/);
});
