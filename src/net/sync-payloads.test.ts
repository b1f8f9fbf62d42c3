import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolError } from "../errors.js";
import { answer, answerToJson, putBatchItems } from "./sync-payloads.js";

const fileWire = {
  kind: "file", vector: { a: 2 }, modifiedBy: "a", changedAtMs: 5, mode: 0o100644, uid: 0, gid: 0,
  userName: "root", mtimeNs: "1700000000123456789", size: 3, hash: "ab".repeat(32),
};
const goneWire = { kind: "deleted", vector: { a: 3 }, modifiedBy: "a", changedAtMs: 9 };
const item = (path: string, entry: object = fileWire) => ({ path, entry, forced: false });

const answers = [
  { name: "in-sync", wire: { kind: "in-sync", vector: { a: 1 } } },
  { name: "send", wire: { kind: "send", mode: "delta", decision: "take-remote" } },
  { name: "applied", wire: { kind: "applied", vector: { a: 1, b: 2 }, decision: "take-remote" } },
  { name: "theirs", wire: { kind: "theirs", entry: fileWire, vector: { a: 2 }, decision: "keep-local" } },
  { name: "conflict", wire: { kind: "conflict", entry: goneWire } },
  { name: "refused", wire: { kind: "refused", code: "NOT_INCLUDED", message: "no" } },
] as const;
for (const c of answers) {
  test(`answerToJson() gives back the wire form answer() read for ${c.name}`, () => {
    assert.deepEqual(answerToJson(answer(c.wire)), c.wire);
  });
}

const refusals = [
  { name: "an unknown answer kind", read: () => answer({ kind: "maybe" }), message: 'field "kind" must be one of in-sync, send, applied, theirs, conflict, refused' },
  { name: "a send in an unknown mode", read: () => answer({ kind: "send", mode: "gzip", decision: "x" }), message: 'field "mode" must be one of whole, delta' },
  { name: "an answer that is not an object", read: () => answer([]), message: "answer must be a JSON object" },
  { name: "a put-batch of a deletion", read: () => putBatchItems({ items: [item("/a", goneWire)] }), message: 'put-batch item "/a" is not a file' },
  { name: "a put-batch naming a path twice", read: () => putBatchItems({ items: [item("/a"), item("/a")] }), message: 'put-batch names "/a" twice' },
  {
    name: "a put-batch of more than 4 MiB",
    read: () => putBatchItems({ items: [item("/a", { ...fileWire, size: 3 << 20 }), item("/b", { ...fileWire, size: (1 << 20) + 1 })] }),
    message: "put-batch content exceeds 4194304 bytes",
  },
  { name: "a put-batch of 257 files", read: () => putBatchItems({ items: Array.from({ length: 257 }, (_, i) => item(`/f${i}`)) }), message: 'field "items" has more than 256 items' },
];
for (const c of refusals) {
  test(`sync payloads refuse ${c.name}`, () => {
    assert.throws(c.read, (err: unknown) => err instanceof ProtocolError && err.message === `Cannot decode message: ${c.message}`);
  });
}

test("putBatchItems() takes exactly 4 MiB of distinct files", () => {
  const items = putBatchItems({ items: [item("/a", { ...fileWire, size: 3 << 20 }), item("/b", { ...fileWire, size: 1 << 20 })] });
  assert.deepEqual(items.map((i) => i.path), ["/a", "/b"]);
});
