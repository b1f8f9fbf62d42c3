import assert from "node:assert/strict";
import { test } from "node:test";
import { EarlyWriteback } from "./early-writeback.js";

/** A file whose datasync() calls are counted and finish when the test says. */
function fakeFile(fail?: Error) {
  const pending: (() => void)[] = [];
  const file = {
    calls: 0,
    datasync(): Promise<void> {
      file.calls++;
      return new Promise<void>((resolve, reject) => pending.push(() => (fail ? reject(fail) : resolve())));
    },
    finishAll(): void {
      for (const done of pending.splice(0)) done();
    },
  };
  return file;
}

const cases: { name: string; writes: number[]; finishBetween: boolean; syncs: number }[] = [
  { name: "nothing before the first `every` bytes", writes: [4, 5], finishBetween: true, syncs: 0 },
  { name: "one sync per `every` bytes when each ends before the next is due", writes: [10, 10, 10], finishBetween: true, syncs: 3 },
  { name: "never two at once: a due sync waits until the running one ended", writes: [10, 10, 10], finishBetween: false, syncs: 1 },
  { name: "one big write starts one sync", writes: [35], finishBetween: true, syncs: 1 },
];
for (const c of cases) {
  test(`EarlyWriteback: ${c.name}`, async () => {
    const file = fakeFile();
    const wb = new EarlyWriteback(file, 10);
    for (const n of c.writes) {
      wb.wrote(n);
      if (c.finishBetween) {
        file.finishAll();
        await new Promise((r) => setImmediate(r));
      }
    }
    file.finishAll();
    await wb.settle();
    assert.equal(file.calls, c.syncs);
  });
}

test("EarlyWriteback: an early sync's error is thrown by settle() and by the next wrote()", async () => {
  const eio = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
  const file = fakeFile(eio);
  const wb = new EarlyWriteback(file, 10);
  wb.wrote(10);
  file.finishAll();
  await assert.rejects(wb.settle(), eio);
  assert.throws(() => wb.wrote(1), eio);
  await assert.rejects(wb.settle(), eio);
});
