import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolError } from "../errors.js";
import { entryFromWire } from "../core/entry.js";
import { decodeMessage, encodeMessage, kindOf, type Message } from "./messages.js";

const fileEntry = entryFromWire({
  kind: "file", vector: { a: 2, b: 1 }, modifiedBy: "a", changedAtMs: 5, mode: 0o100644, uid: 0, gid: 0,
  userName: "root", mtimeNs: "1700000000123456789", size: 3, hash: "ab".repeat(32),
});
const fileWire = {
  kind: "file", vector: { a: 2, b: 1 }, modifiedBy: "a", changedAtMs: 5, mode: 0o100644, uid: 0, gid: 0,
  userName: "root", mtimeNs: "1700000000123456789", size: 3, hash: "ab".repeat(32),
};
const gone = entryFromWire({ kind: "deleted", vector: { a: 3 }, modifiedBy: "a", changedAtMs: 9 });
const p = "/srv/a b" as never;

const valid: Message[] = [
  { type: "hello", versions: [[1, 0], [2, 3]], node: "a", group: "g", to: "b", software: "peersync/0.1" },
  { type: "hello-ack", version: [1, 0], node: "b", software: "x" },
  { type: "proof", mac: Buffer.alloc(32, 7) },
  { type: "error", code: "AUTH", message: "no", hint: "fix it" },
  { type: "error", code: "AUTH", message: "no" },
  { type: "bye" },
  { type: "ping" },
  { type: "pong" },
  { type: "status" },
  { type: "status-reply", node: "b", group: "g", version: [1, 0], software: "s", uptimeS: 3, sessions: 1, draining: false },
  { type: "stat", path: "/etc/hosts" as never },
  { type: "stat", path: "%www%/index.html" as never },
  { type: "discard" },
  { type: "discarded", bytes: 10 },
  { type: "offer", dryRun: false, entries: [{ path: p, entry: fileEntry, forced: false }, { path: "%www%/x" as never, entry: gone, forced: true }] },
  {
    type: "offer-reply", answers: [
      { path: p, answer: { kind: "in-sync", vector: { a: 1 } } },
      { path: p, answer: { kind: "send", mode: "delta", decision: "take-remote" } },
      { path: p, answer: { kind: "applied", vector: { a: 1, b: 2 }, decision: "take-remote" } },
      { path: p, answer: { kind: "theirs", entry: fileEntry, vector: { a: 2, b: 1 }, decision: "keep-local" } },
      { path: p, answer: { kind: "conflict", entry: gone } },
      { path: p, answer: { kind: "refused", code: "NOT_INCLUDED", message: "no" } },
    ],
  },
  { type: "signature", path: p },
  { type: "signature-reply", hash: "cd".repeat(32), size: 70000 },
  { type: "put", path: p, entry: fileEntry, forced: false, encoding: "whole" },
  { type: "put", path: p, entry: fileEntry, forced: true, encoding: "delta", basisHash: "cd".repeat(32) },
  { type: "put-reply", answer: { kind: "applied", vector: { a: 2, b: 1 }, decision: "take-remote" } },
  { type: "put-batch", items: [{ path: p, entry: fileEntry, forced: false }, { path: "%www%/y" as never, entry: fileEntry, forced: true }] },
  { type: "put-batch-reply", answers: [{ path: p, answer: { kind: "applied", vector: { a: 2 }, decision: "take-remote" } }, { path: p, answer: { kind: "refused", code: "HASH_MISMATCH", message: "no" } }] },
  { type: "get", path: p },
  { type: "get-reply", entry: fileEntry },
  { type: "batch-end" },
  { type: "batch-end-reply", ran: 1, failed: 0 },
  { type: "list" },
  { type: "list", path: p },
  { type: "list-reply", entries: [] },
  { type: "list-reply", entries: [{ path: p, entry: fileEntry }] },
  { type: "data", bytes: Buffer.from([0, 1, 255]) },
  { type: "end" },
  { type: "abort", message: "\"/srv/app.log\" changed while it was being sent (grew)" },
];
for (const msg of valid) {
  test(`decodeMessage() round-trips ${msg.type} ${JSON.stringify(msg, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)).slice(0, 60)}`, () => {
    const { kind, body } = encodeMessage(msg);
    assert.deepEqual(decodeMessage(kind, body), msg);
  });
}

const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const invalid = [
  { name: "an unknown kind", kind: 0xee, body: json({}) },
  { name: "a non-JSON body", kind: kindOf("ping"), body: Buffer.from("{nope") },
  { name: "invalid UTF-8", kind: kindOf("ping"), body: Buffer.from([0x7b, 0xff, 0x7d]) },
  { name: "a JSON array body", kind: kindOf("ping"), body: json([]) },
  { name: "a JSON null body", kind: kindOf("ping"), body: json(null) },
  { name: "a ../ path", kind: kindOf("stat"), body: json({ path: "../../etc/passwd" }) },
  { name: "a .. segment", kind: kindOf("stat"), body: json({ path: "/srv/../etc/passwd" }) },
  { name: "a path with NUL", kind: kindOf("stat"), body: json({ path: "/etc/pass\u0000wd" }) },
  { name: "a relative path", kind: kindOf("stat"), body: json({ path: "etc/passwd" }) },
  { name: "a numeric path", kind: kindOf("stat"), body: json({ path: 5 }) },
  { name: "a name with a space", kind: kindOf("hello"), body: json({ versions: [[1, 0]], node: "a b", group: "g", to: "b", software: "" }) },
  { name: "too many versions", kind: kindOf("hello"), body: json({ versions: Array(17).fill([1, 0]), node: "a", group: "g", to: "b", software: "" }) },
  { name: "a bad version", kind: kindOf("hello-ack"), body: json({ version: [1], node: "a", software: "" }) },
  { name: "a short MAC", kind: kindOf("proof"), body: json({ mac: Buffer.alloc(31).toString("base64") }) },
  { name: "a non-base64 MAC", kind: kindOf("proof"), body: json({ mac: "!".repeat(44) }) },
  { name: "a negative count", kind: kindOf("discarded"), body: json({ bytes: -1 }) },
  { name: "a fractional count", kind: kindOf("discarded"), body: json({ bytes: 1.5 }) },
  { name: "an offer with a ../ path", kind: kindOf("offer"), body: json({ dryRun: false, entries: [{ path: "/a/../b", entry: { kind: "deleted", vector: { a: 1 }, modifiedBy: "a", changedAtMs: 1 }, forced: false }] }) },
  { name: "an offer with a bad entry", kind: kindOf("offer"), body: json({ dryRun: false, entries: [{ path: "/a", entry: { kind: "fifo" }, forced: false }] }) },
  { name: "too many offered entries", kind: kindOf("offer"), body: json({ dryRun: false, entries: Array(513).fill({}) }) },
  { name: "a put with a ../ path", kind: kindOf("put"), body: json({ path: "../x", entry: {}, forced: false, encoding: "whole" }) },
  { name: "a put with a bad encoding", kind: kindOf("put"), body: json({ path: "/x", entry: { kind: "deleted", vector: {}, modifiedBy: "a", changedAtMs: 1 }, forced: false, encoding: "gzip" }) },
  { name: "a put-batch with a ../ path", kind: kindOf("put-batch"), body: json({ items: [{ path: "/a/../b", entry: fileWire, forced: false }] }) },
  { name: "a put-batch of a deletion", kind: kindOf("put-batch"), body: json({ items: [{ path: "/a", entry: { kind: "deleted", vector: { a: 1 }, modifiedBy: "a", changedAtMs: 1 }, forced: false }] }) },
  { name: "a put-batch naming a path twice", kind: kindOf("put-batch"), body: json({ items: [{ path: "/a", entry: fileWire, forced: false }, { path: "/a", entry: fileWire, forced: false }] }) },
  { name: "a put-batch of more than 4 MiB", kind: kindOf("put-batch"), body: json({ items: [{ path: "/a", entry: { ...fileWire, size: 3 << 20 }, forced: false }, { path: "/b", entry: { ...fileWire, size: (1 << 20) + 1 }, forced: false }] }) },
  { name: "a put-batch of 257 files", kind: kindOf("put-batch"), body: json({ items: Array.from({ length: 257 }, (_, i) => ({ path: `/f${i}`, entry: fileWire, forced: false })) }) },
  { name: "a put-batch-reply with 257 answers", kind: kindOf("put-batch-reply"), body: json({ answers: Array(257).fill({ path: "/a", answer: { kind: "in-sync", vector: {} } }) }) },
  { name: "an unknown answer kind", kind: kindOf("put-reply"), body: json({ answer: { kind: "maybe" } }) },
  { name: "a list with a ../ path", kind: kindOf("list"), body: json({ path: "/a/../etc" }) },
  { name: "too many listed entries", kind: kindOf("list-reply"), body: json({ entries: Array(201).fill({}) }) },
  { name: "a get with a relative path", kind: kindOf("get"), body: json({ path: "etc/shadow" }) },
  { name: "a signature-reply with a bad hash", kind: kindOf("signature-reply"), body: json({ hash: "XYZ", size: 1 }) },
  { name: "an abort without a message", kind: kindOf("abort"), body: json({}) },
  { name: "an oversized control body", kind: kindOf("ping"), body: Buffer.alloc(300 << 10, 0x20) },
];
for (const c of invalid) {
  test(`decodeMessage() throws ProtocolError for ${c.name}`, () => {
    assert.throws(() => decodeMessage(c.kind, c.body), ProtocolError);
  });
}

test("decodeMessage() keeps only known fields", () => {
  const msg = decodeMessage(kindOf("ping"), json({ extra: 1, __proto__: { polluted: true } }));
  assert.deepEqual(Object.keys(msg), ["type"]);
});
