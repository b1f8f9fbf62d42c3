import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AuthError, PeerError } from "../errors.js";
import { connectSession } from "./connect.js";
import { BodyStopped } from "./session.js";
import { encodeFrame } from "./frame.js";
import { encodeMessage } from "./messages.js";
import { TEST_KEY, makeConfig, makeGroup, makeHost, makeNode, rawSetup, rawTls, serve, type TestNode } from "./testing.js";

const nodes: TestNode[] = [];
after(async () => {
  for (const n of nodes) await n.server?.close(100);
});

async function pair(options: { serverKey?: string; clientKey?: string; serverTimeoutMs?: number } = {}) {
  const a = { ...makeNode("a", { requestTimeoutMs: 2000 }), config: undefined! } as TestNode;
  const b = { ...makeNode("b", { requestTimeoutMs: options.serverTimeoutMs ?? 2000 }), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")], options.serverKey)]);
  nodes.push(a, b);
  const port = await serve(b);
  const hostB = makeHost("b", port);
  const groupA = makeGroup("g", "a", [makeHost("a"), hostB], options.clientKey);
  a.config = makeConfig("a", a.stateDir, [groupA]);
  return { a, b, groupA, hostB, connect: () => connectSession(groupA, hostB, a) };
}

test("connectSession() authenticates both ways and pins both certificates", async () => {
  const { a, b, connect } = await pair();
  const session = await connect();
  assert.equal(session.peer.pinned, true);
  assert.deepEqual(await session.request({ type: "ping" }), { type: "pong" });
  const status = await session.request({ type: "status" });
  assert.equal(status.type === "status-reply" && status.node, "b");
  assert.equal(a.pins.get("b")?.fingerprint, b.identity.fingerprint);
  assert.equal(b.pins.get("a")?.fingerprint, a.identity.fingerprint);
  session.close();
  const again = await connect();
  assert.equal(again.peer.pinned, false);
  again.close();
});

test("Session pipelines requests and streams a body with backpressure", async () => {
  const { connect } = await pair();
  const session = await connect();
  const replies = await Promise.all(Array.from({ length: 100 }, () => session.request({ type: "ping" })));
  assert.equal(replies.length, 100);
  async function* body() {
    for (let i = 0; i < 64; i++) yield Buffer.alloc(300_000, i);
  }
  const done = await session.request({ type: "discard" }, { body: body() });
  assert.deepEqual(done, { type: "discarded", bytes: 64 * 300_000 });
  await assert.rejects(session.request({ type: "stat", path: "/etc/hosts" as never }), (e: unknown) => e instanceof PeerError && e.remoteCode === "UNSUPPORTED");
  session.close();
});

test("Session (server) times a request's body by its progress: a steady slow body is taken, a stalled one refused", async () => {
  const { connect } = await pair({ serverTimeoutMs: 600 });
  const session = await connect();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // Ten chunks 150 ms apart: 1.5 s of body, well over the server's 600 ms, never 600 ms without a byte.
  async function* steady() {
    for (let i = 0; i < 10; i++) {
      yield Buffer.alloc(1000, i);
      await sleep(150);
    }
  }
  assert.deepEqual(await session.request({ type: "discard" }, { body: steady() }), { type: "discarded", bytes: 10_000 });
  async function* stalls() {
    yield Buffer.alloc(1000);
    await sleep(1200);
    yield Buffer.alloc(1000);
  }
  await assert.rejects(session.request({ type: "discard" }, { body: stalls() }),
    (e: unknown) => e instanceof PeerError && e.remoteCode === "TIMEOUT" && /body stalled for 600 ms/.test(e.message));
  session.close();
});

test("connectSession() fails with AuthError on a wrong group key, and pins nothing", async () => {
  const { a, b, connect } = await pair({ clientKey: "wrongkey.0123456789abcdefghijklmnopqrstuvwxyz" });
  await assert.rejects(connect(), (e: unknown) => e instanceof AuthError && /group-key proof/.test(e.message));
  assert.equal(a.pins.list().length, 0);
  assert.equal(b.pins.list().length, 0);
});

test("connectSession() refuses a changed server certificate and names the fix", async () => {
  const { a, connect } = await pair();
  (await connect()).close();
  const pin = a.pins.get("b")!;
  a.pins.reset("b");
  a.pins.pin("b", "00:11", pin.certDer, "g", 1);
  // The fix is named once, in the hint (the unreachable line prints message and hint).
  await assert.rejects(connect(), (e: unknown) => e instanceof AuthError && e.message.includes(pin.fingerprint) &&
    /peersync trust --reset b` on node "a"/.test(e.hint ?? "") && !e.message.includes("trust --reset"));
});

test("Session (server) stops reading and closes a peer that sends requests but never reads replies", async () => {
  const b = { ...makeNode("b", { requestTimeoutMs: 500, idleTimeoutMs: 60_000, writeHighWaterBytes: 64 << 10 }), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")])]);
  nodes.push(b);
  const port = await serve(b);
  const socket = await rawTls(port, makeNode("a").identity);
  const { answer } = await rawSetup(socket, { group: "g", client: "a", server: "b", key: TEST_KEY });
  assert.equal(answer?.type, "proof");
  socket.pause();
  const { kind, body } = encodeMessage({ type: "status" });
  const flood = Buffer.concat(Array.from({ length: 100_000 }, (_, i) => encodeFrame(kind, i + 1, body)));
  socket.on("error", () => undefined).write(flood);
  const [session] = b.server!.sessions;
  const reason = await session!.closed;
  assert.match(reason?.message ?? "", /read nothing for 500 ms/);
  socket.destroy();
});

test("Session stops a body its source stopped (abort): the request is answered, the session carries on", async () => {
  const { connect } = await pair();
  const session = await connect();
  async function* changing() {
    yield Buffer.alloc(300_000, 1);
    yield Buffer.alloc(300_000, 2);
    throw new BodyStopped('"/srv/app.log" changed while it was being sent (grew)');
  }
  await assert.rejects(session.request({ type: "discard" }, { body: changing() }), (e: unknown) =>
    e instanceof PeerError && e.remoteCode === "STOPPED" && /a stopped sending: "\/srv\/app\.log" changed while it was being sent/.test(e.message));
  assert.ok(session.usable);
  assert.deepEqual(await session.request({ type: "ping" }), { type: "pong" });
  session.close();
});
