// Fuzzes the only code that reads peer bytes: FrameDecoder + decodeMessage. Whatever arrives,
// in whatever chunking, the result is frames and messages or a ProtocolError: never another
// exception, never a hang. Seeded, so a failure replays; PEERSYNC_FUZZ_RUNS sets the number
// of cases (default 100 000 in total; `make fuzz` runs 10 million).

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "../../src/errors.js";
import { FrameDecoder, encodeFrame, encodeHeader } from "../../src/net/frame.js";
import { decodeMessage, encodeMessage, kindOf } from "../../src/net/messages.js";

const TOTAL_RUNS = Number(process.env["PEERSYNC_FUZZ_RUNS"] ?? 100_000);
const SEED = Number(process.env["PEERSYNC_FUZZ_SEED"] ?? 0x5eed);
const MAX_FRAME = 4096;
const MAX_CONTROL = 2048;
// Every kind messages.ts knows, found by asking it, so a new message type is fuzzed as soon
// as it is registered.
const KINDS = Array.from({ length: 256 }, (_, k) => k).filter((k) => {
  try {
    decodeMessage(k, Buffer.from("{}"));
  } catch (err) {
    return !/unknown kind/.test((err as Error).message);
  }
  return true;
});

/** Runs decoder and decoder over `bytes` cut at `cuts`; returns messages decoded. Throws only ProtocolError. */
function decodeStream(bytes: Uint8Array, cuts: number[]): number {
  // As the wire decodes: data frames in pieces.
  const decoder = new FrameDecoder(MAX_FRAME, [kindOf("data")]);
  let decoded = 0;
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((x, y) => x - y), bytes.length]) {
    decoder.push(bytes.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
    for (let f = decoder.next(); f; f = decoder.next()) {
      const msg = decodeMessage(f.kind, f.body, MAX_CONTROL);
      // Whatever decodes must survive its own encoding: the decoder never yields a value
      // that the encoder would refuse or change.
      const again = encodeMessage(msg, MAX_CONTROL);
      assert.deepEqual(decodeMessage(again.kind, again.body, MAX_CONTROL), msg);
      decoded++;
    }
  }
  return decoded;
}

function onlyProtocolErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
  return true;
}

/** A frame whose header is plausible (known kind, honest length) and whose body is arbitrary. */
const plausibleFrame = fc.tuple(fc.constantFrom(...KINDS, 0, 0xff), fc.nat(0xffff_ffff), fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.json({ maxDepth: 4 }).map((j) => new TextEncoder().encode(j)),
  fc.dictionary(fc.constantFrom("path", "node", "group", "to", "versions", "version", "mac", "code", "message", "bytes", "software", "hint", "uptimeS", "sessions", "draining",
    "entries", "items", "answers", "answer", "entry", "vector", "kind", "mode", "decision", "dryRun", "forced", "encoding", "basisHash", "hash", "size", "ran", "failed"),
    fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.array(fc.integer({ min: -2, max: 70000 }), { maxLength: 3 }), { maxLength: 3 }),
      fc.constantFrom("/etc/passwd", "../../etc/passwd", "/a/\u0000b", "%www%/x", "a b", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")))
    .map((o) => new TextEncoder().encode(JSON.stringify(o))),
)).map(([kind, id, body]) => encodeFrame(kind, id, body));

const cuts = fc.array(fc.nat(), { maxLength: 6 });

// `make fuzz` runs 10 M cases: split into batches of at most 1 M (each its own test and seed)
// so that no single test runs into the runner's per-test timeout.
const BATCH = 1_000_000;
function fuzz(name: string, share: number, seed: number, property: (runs: number, seed: number) => void): void {
  const total = Math.ceil(TOTAL_RUNS * share);
  for (let done = 0, batch = 0; done < total; done += BATCH, batch++) {
    const runs = Math.min(BATCH, total - done);
    test(`decoder: ${name} (${runs} cases, seed ${seed + batch * 16})`, () => property(runs, seed + batch * 16));
  }
}

fuzz("random bytes yield frames or ProtocolError", 0.3, SEED, (numRuns, seed) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (bytes, c) => onlyProtocolErrors(() => decodeStream(bytes, c))), { seed, numRuns });
});

fuzz("plausible frames with hostile bodies yield messages or ProtocolError", 0.4, SEED + 1, (numRuns, seed) => {
  fc.assert(fc.property(fc.array(plausibleFrame, { minLength: 1, maxLength: 4 }), cuts, (frames, c) => onlyProtocolErrors(() => decodeStream(Buffer.concat(frames), c))), { seed, numRuns });
});

const FILE_ENTRY = {
  kind: "file", vector: { a: 2, b: 1 }, modifiedBy: "a", changedAtMs: 5, mode: 0o100644, uid: 0, gid: 0,
  userName: "root", mtimeNs: "1700000000123456789", size: 3, hash: "ab".repeat(32),
};
const valid = [
  { type: "hello", versions: [[1, 0]], node: "a", group: "g", to: "b", software: "peersync/0.1" },
  { type: "proof", mac: Buffer.alloc(32, 9) },
  { type: "stat", path: "/etc/hosts" },
  { type: "status-reply", node: "b", group: "g", version: [1, 0], software: "s", uptimeS: 1, sessions: 2, draining: false },
  { type: "error", code: "AUTH", message: "no", hint: "h" },
  { type: "data", bytes: Buffer.from("chunk") },
].map((m) => { const e = encodeMessage(m as never); return encodeFrame(e.kind, 3, e.body); }).concat(
  // Sync messages as their wire JSON (the shapes of src/net/messages.test.ts), so mutations
  // reach the entry and vector validators.
  [
    ["offer", { dryRun: false, entries: [{ path: "/srv/a", forced: false, entry: FILE_ENTRY }, { path: "%www%/x", forced: true, entry: { kind: "deleted", vector: { a: 3 }, modifiedBy: "a", changedAtMs: 9 } }] }],
    ["offer-reply", { answers: [{ path: "/srv/a", answer: { kind: "theirs", entry: FILE_ENTRY, vector: { a: 2, b: 1 }, decision: "keep-local" } }] }],
    ["put", { path: "/srv/a", entry: FILE_ENTRY, forced: false, encoding: "delta", basisHash: "cd".repeat(32) }],
    ["put-batch", { items: [{ path: "/srv/a", forced: false, entry: FILE_ENTRY }, { path: "/srv/b", forced: true, entry: FILE_ENTRY }] }],
    ["put-batch-reply", { answers: [{ path: "/srv/a", answer: { kind: "applied", vector: { a: 2 }, decision: "take-remote" } }] }],
    ["list-reply", { entries: [{ path: "/srv/a", entry: FILE_ENTRY }, { path: "/srv/b", entry: { kind: "deleted", vector: { a: 3 }, modifiedBy: "a", changedAtMs: 9 } }] }],
  ].map(([type, body]) => encodeFrame(kindOf(type as never), 3, Buffer.from(JSON.stringify(body)))),
);
const mutation = fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 });

fuzz("mutated valid messages yield messages or ProtocolError", 0.3, SEED + 2, (numRuns, seed) => {
  fc.assert(fc.property(fc.constantFrom(...valid), mutation, cuts, (frame, flips, c) => {
    const bytes = Buffer.from(frame);
    for (const [at, value] of flips) bytes[at % bytes.length] = value;
    return onlyProtocolErrors(() => decodeStream(bytes, c));
  }), { seed, numRuns });
});

test("decoder: a 4 GiB length is refused from the header alone", () => {
  const decoder = new FrameDecoder(MAX_FRAME);
  decoder.push(encodeHeader(kindOf("data"), 1, 0xffff_ffff));
  assert.throws(() => decoder.next(), ProtocolError);
  assert.equal(decoder.bufferedBytes, 0);
});
