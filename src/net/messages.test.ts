import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolError } from "../errors.js";
import { decodeMessage, encodeMessage, kindOf, type Message } from "./messages.js";

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
  { type: "data", bytes: Buffer.from([0, 1, 255]) },
  { type: "end" },
];
for (const msg of valid) {
  test(`decodeMessage() round-trips ${msg.type} ${JSON.stringify(msg).slice(0, 60)}`, () => {
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
