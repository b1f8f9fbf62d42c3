import assert from "node:assert/strict";
import { test } from "node:test";
import type { FileRead, ReadFiles, ReadRequest } from "./read-batch.js";
import { ReadQueue } from "./read-queue.js";

/** A reader whose batches finish when the test says so, in any order. */
function heldReader() {
  const held: { requests: readonly ReadRequest[]; finish: () => void }[] = [];
  const read: ReadFiles = (requests) =>
    new Promise<FileRead[]>((resolve) => {
      held.push({ requests, finish: () => resolve(requests.map(() => ({ type: "too-big" }))) });
    });
  return { read, held };
}
const file = (n: number): ReadRequest => ({ fsPath: `/f${n}`, ino: n });
const tick = () => new Promise((r) => setImmediate(r));

test("ReadQueue runs every task in the order queued, whatever order the batches finish in", async () => {
  const { read, held } = heldReader();
  const queue = new ReadQueue(read, { batchFiles: 2, inFlight: 10 });
  const ran: string[] = [];
  for (let i = 0; i < 6; i++) {
    assert.equal(queue.read(file(i), 10, (r) => void ran.push(`read ${i} ${r.type}`)), undefined);
    if (i === 2) queue.run(() => void ran.push("task after 2"));
  }
  assert.equal(held.length, 3, "a batch starts as soon as it is full");
  held[2]!.finish();
  held[1]!.finish();
  await tick();
  assert.deepEqual(ran, [], "nothing runs before the first batch's results");
  held[0]!.finish();
  await queue.drain();
  assert.deepEqual(ran, ["read 0 too-big", "read 1 too-big", "read 2 too-big", "task after 2", "read 3 too-big", "read 4 too-big", "read 5 too-big"]);
});

test("ReadQueue runs a task at once when nothing is queued, and starts a batch by bytes too", async () => {
  const { read, held } = heldReader();
  const queue = new ReadQueue(read, { batchFiles: 100, batchBytes: 1000 });
  let ran = false;
  queue.run(() => void (ran = true));
  assert.ok(ran);
  queue.read(file(1), 600, () => {});
  assert.equal(held.length, 0);
  queue.read(file(2), 600, () => {});
  assert.equal(held.length, 1, "1200 bytes queued: started");
  held[0]!.finish();
  await queue.drain();
});

test("ReadQueue asks its caller to wait only while more than inFlight batches are under way", async () => {
  const { read, held } = heldReader();
  const queue = new ReadQueue(read, { batchFiles: 1, inFlight: 2 });
  assert.equal(queue.read(file(1), 1, () => {}), undefined);
  assert.equal(queue.read(file(2), 1, () => {}), undefined);
  const wait = queue.read(file(3), 1, () => {});
  assert.ok(wait instanceof Promise, "a third batch under way: wait");
  let waited = false;
  void wait.then(() => (waited = true));
  await tick();
  assert.equal(waited, false);
  held[0]!.finish();
  await tick();
  assert.equal(waited, true, "room again once the first batch has run");
  held[1]!.finish();
  held[2]!.finish();
  await queue.drain();
});

test("ReadQueue stops at the first task that throws: later tasks never run, drain rejects, read throws", async () => {
  const { read, held } = heldReader();
  const queue = new ReadQueue(read, { batchFiles: 1, inFlight: 10 });
  const ran: number[] = [];
  queue.read(file(1), 1, () => {
    throw new Error("disk full");
  });
  queue.read(file(2), 1, () => void ran.push(2));
  for (const h of held) h.finish();
  await assert.rejects(queue.drain(), /disk full/);
  assert.deepEqual(ran, []);
  assert.throws(() => queue.read(file(3), 1, () => {}), /disk full/);
});

test("ReadQueue.abandon() runs nothing more, even for reads already under way", async () => {
  const { read, held } = heldReader();
  const queue = new ReadQueue(read, { batchFiles: 1 });
  const ran: number[] = [];
  queue.read(file(1), 1, () => void ran.push(1));
  queue.abandon();
  held[0]!.finish();
  await queue.drain();
  assert.deepEqual(ran, []);
});
