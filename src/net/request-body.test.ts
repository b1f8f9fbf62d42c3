// How a request body ends on the wire: `end`, or `abort` when its source stopped it on purpose,
// and a plain `end` for a peer too old to know `abort` (protocol 1.0 and 1.1 close the session
// on a message type they do not know). A recording stand-in for the wire: sendBody's choice of
// frames is the logic under test, not the socket.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Message, Version } from "./messages.js";
import { BodyStopped, sendBody } from "./request-body.js";
import type { Wire } from "./wire.js";

function recordingWire(maxFrameBytes: number, closed = false): { wire: Wire; sent: { id: number; msg: Message }[] } {
  const sent: { id: number; msg: Message }[] = [];
  const wire = {
    limits: { maxFrameBytes },
    closed,
    send: (id: number, msg: Message) => (sent.push({ id, msg }), true),
    drained: () => Promise.resolve(),
  } as unknown as Wire;
  return { wire, sent };
}

async function* stoppedAfter(bytes: Buffer, reason: string): AsyncIterable<Uint8Array> {
  yield bytes;
  throw new BodyStopped(reason);
}

const endings: readonly { readonly peer: Version; readonly want: Message["type"] }[] = [
  { peer: [1, 0], want: "end" },
  { peer: [1, 1], want: "end" },
  { peer: [1, 2], want: "abort" },
  { peer: [1, 7], want: "abort" },
  { peer: [2, 0], want: "abort" },
];
for (const c of endings) {
  test(`a body stopped on purpose ends with ${c.want} for a ${c.peer.join(".")} peer`, async () => {
    const { wire, sent } = recordingWire(1024);
    await sendBody(wire, { id: 7, body: stoppedAfter(Buffer.from("partial"), "changed while it was read"), peerVersion: c.peer });
    assert.deepEqual(sent.map((s) => [s.id, s.msg.type]), [[7, "data"], [7, c.want]]);
    const last = sent.at(-1)!.msg;
    if (last.type === "abort") assert.equal(last.message, "changed while it was read");
  });
}

test("a whole body goes in frames of at most maxFrameBytes, then end", async () => {
  const { wire, sent } = recordingWire(4);
  async function* body(): AsyncIterable<Uint8Array> {
    yield Buffer.from("0123456789");
    yield new Uint8Array([1, 2]);
  }
  await sendBody(wire, { id: 3, body: body(), peerVersion: [1, 2] });
  const frames = sent.map((s) => (s.msg.type === "data" ? Buffer.from(s.msg.bytes).toString("latin1") : s.msg.type));
  assert.deepEqual(frames, ["0123", "4567", "89", "\u0001\u0002", "end"]);
});

test("any other failure of the body, or a stop on a closed wire, is thrown and nothing ends the body", async () => {
  for (const [label, wireClosed, err] of [["a read error", false, new Error("EIO")], ["a stop after the wire closed", true, new BodyStopped("changed")]] as const) {
    const { wire, sent } = recordingWire(1024, wireClosed);
    async function* body(): AsyncIterable<Uint8Array> {
      yield Buffer.from("x");
      throw err;
    }
    await assert.rejects(sendBody(wire, { id: 1, body: body(), peerVersion: [1, 2] }), err, label);
    assert.deepEqual(sent.map((s) => s.msg.type), ["data"], label);
  }
});
