import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolError } from "../errors.js";
import { FRAME_HEADER_BYTES, FrameDecoder, encodeFrame, type Frame } from "./frame.js";

const frames = [
  { kind: 1, id: 0, body: Buffer.from('{"a":1}') },
  { kind: 0x20, id: 7, body: Buffer.alloc(5000, 0xab) },
  { kind: 0x21, id: 0xffff_ffff, body: Buffer.alloc(0) },
];
const wire = Buffer.concat(frames.map((f) => encodeFrame(f.kind, f.id, f.body)));

function decodeAll(decoder: FrameDecoder, bytes: Buffer, chunk: number): Frame[] {
  const out: Frame[] = [];
  for (let at = 0; at < bytes.length; at += chunk) {
    decoder.push(bytes.subarray(at, at + chunk));
    for (let f = decoder.next(); f; f = decoder.next()) out.push(f);
  }
  return out;
}

for (const chunk of [1, 2, 7, 4096, 1 << 20]) {
  test(`FrameDecoder round-trips frames pushed in ${chunk}-byte chunks`, () => {
    const decoder = new FrameDecoder(1 << 20);
    const got = decodeAll(decoder, wire, chunk);
    assert.deepEqual(got.map((f) => ({ ...f, body: Buffer.from(f.body) })), frames);
    assert.equal(decoder.atBoundary, true);
  });
}

const refusals = [
  { name: "a 4 GiB length", header: [0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 1] },
  { name: "a length one byte over the limit", header: [0, 0, 0x04, 0x01, 1, 0, 0, 0, 1] },
];
for (const c of refusals) {
  test(`FrameDecoder.next() throws ProtocolError for ${c.name} before buffering the body`, () => {
    const decoder = new FrameDecoder(1024);
    decoder.push(Buffer.from(c.header));
    assert.throws(() => decoder.next(), ProtocolError);
  });
}

test("FrameDecoder keeps a truncated frame pending and reports it is mid-frame", () => {
  const decoder = new FrameDecoder(1024);
  decoder.push(encodeFrame(1, 1, Buffer.alloc(100)).subarray(0, FRAME_HEADER_BYTES + 10));
  assert.equal(decoder.next(), undefined);
  assert.equal(decoder.atBoundary, false);
});

test("encodeFrame() refuses a kind or id out of range", () => {
  assert.throws(() => encodeFrame(256, 1, Buffer.alloc(0)), RangeError);
  assert.throws(() => encodeFrame(1, -1, Buffer.alloc(0)), RangeError);
});

for (const chunk of [1, 2, 7, 4096, 1 << 20]) {
  test(`FrameDecoder hands piece kinds over in pieces without copying (${chunk}-byte chunks)`, () => {
    const decoder = new FrameDecoder(1 << 20, [0x20]);
    const got = decodeAll(decoder, wire, chunk);
    const whole = got.filter((f) => f.kind !== 0x20);
    assert.deepEqual(whole.map((f) => f.kind), [1, 0x21]);
    const pieces = got.filter((f) => f.kind === 0x20);
    assert.ok(pieces.every((p) => p.id === 7 && p.body.length <= chunk));
    assert.deepEqual(Buffer.concat(pieces.map((p) => p.body)), frames[1]!.body);
    assert.deepEqual(pieces.map((p) => p.partial), [...pieces.slice(1).map(() => true), false]);
    assert.equal(decoder.atBoundary, true);
  });
}

test("FrameDecoder delivers an empty piece-kind frame once", () => {
  const decoder = new FrameDecoder(1024, [0x20]);
  decoder.push(encodeFrame(0x20, 3, Buffer.alloc(0)));
  assert.deepEqual({ ...decoder.next()! }, { kind: 0x20, id: 3, body: Buffer.alloc(0) });
  assert.equal(decoder.next(), undefined);
});
