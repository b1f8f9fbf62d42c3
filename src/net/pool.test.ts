import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, test } from "node:test";
import { PeerError } from "../errors.js";
import { PeerPool, backoffDelay } from "./pool.js";
import { resolveLimits } from "./limits.js";
import { captureLogger, makeConfig, makeGroup, makeHost, makeNode, serve, type TestNode } from "./testing.js";
import { openIndex } from "../index/database.js";
import { PinStore } from "../index/pins.js";

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const delays = [
  { failures: 0, want: 0 },
  { failures: 1, want: 500 },
  { failures: 2, want: 1000 },
  { failures: 5, want: 8000 },
  { failures: 10, want: 60_000 },
  { failures: 1000, want: 60_000 },
];
for (const d of delays) {
  test(`backoffDelay() is ${d.want} ms after ${d.failures} failures (no jitter)`, () => {
    assert.equal(backoffDelay(d.failures, 500, 60_000, () => 0.5), d.want);
  });
}

test("backoffDelay() jitters within ±25 %", () => {
  assert.equal(backoffDelay(3, 500, 60_000, () => 0), 1500);
  assert.equal(backoffDelay(3, 500, 60_000, () => 1), 2500);
});

/** A TCP server that accepts and never answers: a peer that hangs. */
async function blackhole(): Promise<number> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => { for (const s of sockets) s.destroy(); server.close(); });
  return (server.address() as { port: number }).port;
}

test("PeerPool: a hanging peer never delays another, and a down peer is retried with growing delays", async () => {
  const b = { ...makeNode("b"), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")])]);
  const good = makeHost("b", await serve(b));
  cleanups.push(() => b.server?.close(50));
  const hanging = makeHost("hang", await blackhole());
  const down = makeHost("down", 1);
  const a = makeNode("a");
  const group = makeGroup("g", "a", [makeHost("a"), good, hanging, down]);
  let now = 1_000_000;
  const pool = new PeerPool({ ...a, limits: resolveLimits({ connectTimeoutMs: 1500, backoffBaseMs: 1000 }), now: () => now, random: () => 0.5 });
  cleanups.push(() => pool.close(50));

  const started = Date.now();
  const hung = pool.session(group, hanging).then(() => "connected", (e: unknown) => e);
  const session = await pool.session(group, good);
  assert.ok(Date.now() - started < 1000, "the good peer waited for the hanging one");
  assert.equal((await session.request({ type: "ping" })).type, "pong");
  assert.equal(await pool.session(group, good), session, "the session is reused");
  assert.ok((await hung) instanceof PeerError);

  await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "ECONNREFUSED");
  await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "BACKOFF");
  now += 1000;
  await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "ECONNREFUSED");
  now += 1000;
  await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "BACKOFF");
  const state = pool.states().find((s) => s.host === "down")!;
  assert.equal(state.failures, 2);
  assert.equal(state.retryAt, now - 1000 + 2000);
});

// A one-shot run said a down peer's failure three times: the pool's warning (with a
// retryInMs nothing waits for), the update's, and the run's own unreachable line; and a
// refused connection came with no hint.
test("PeerPool: a failed connect carries the hint that fits; warned with retryInMs by the daemon's pool, at debug by a one-shot's", async () => {
  const a = makeNode("a");
  const down = makeHost("down", 1);
  const hanging = makeHost("hang", await blackhole());
  const group = makeGroup("g", "a", [makeHost("a"), down, hanging]);
  const levels: Record<string, unknown>[] = [];
  for (const oneShot of [false, true]) {
    const { logger, records } = captureLogger();
    const pool = new PeerPool({ ...a, logger, oneShot, limits: resolveLimits({ connectTimeoutMs: 300 }) });
    cleanups.push(() => pool.close(50));
    await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "ECONNREFUSED" &&
      /^is the peersync daemon running on down\? \(`systemctl status peersync` there; it listens on 127\.0\.0\.1:1 /.test(e.hint ?? ""));
    await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "BACKOFF" && /daemon running on down/.test(e.hint ?? ""));
    await assert.rejects(pool.session(group, hanging), (e: unknown) => e instanceof PeerError && e.remoteCode === "TLS_TIMEOUT" &&
      /^something accepted the connection at 127\.0\.0\.1:\d+ but did not answer TLS/.test(e.hint ?? ""));
    const failed = records.filter((r) => typeof r.msg === "string" && r.msg.startsWith("cannot connect"));
    assert.equal(failed.length, 2);
    levels.push(...failed.map((r) => ({ oneShot, level: r.level, retry: typeof r.retryInMs, hint: typeof r.hint })));
  }
  assert.deepEqual(levels, [
    { oneShot: false, level: 40, retry: "number", hint: "string" }, { oneShot: false, level: 40, retry: "number", hint: "string" },
    { oneShot: true, level: 20, retry: "number", hint: "string" }, { oneShot: true, level: 20, retry: "number", hint: "string" },
  ]);
});

test("PeerPool reconnects after the peer closed the session", async () => {
  const b = { ...makeNode("b"), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")])]);
  const host = makeHost("b", await serve(b));
  cleanups.push(() => b.server?.close(50));
  const pool = new PeerPool({ ...makeNode("a"), limits: resolveLimits({}) });
  cleanups.push(() => pool.close(50));
  const group = makeGroup("g", "a", [makeHost("a"), host]);
  const first = await pool.session(group, host);
  for (const s of b.server!.sessions) s.close();
  await first.closed;
  const second = await pool.session(group, host);
  assert.notEqual(second, first);
  assert.equal((await second.request({ type: "ping" })).type, "pong");
});

test("PeerPool.warm(): the next session() gets the warmed session, or the warm-up's own error once", async () => {
  const b = { ...makeNode("b"), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")])]);
  const good = makeHost("b", await serve(b));
  cleanups.push(() => b.server?.close(50));
  const down = makeHost("down", 1);
  const group = makeGroup("g", "a", [makeHost("a"), good, down]);
  let now = 1_000_000;
  const pool = new PeerPool({ ...makeNode("a"), limits: resolveLimits({ backoffBaseMs: 1000 }), now: () => now, random: () => 0.5 });
  cleanups.push(() => pool.close(50));

  pool.warm(group, good);
  pool.warm(group, down);
  pool.warm(group, good); // a connect already runs: no second one
  const session = await pool.session(group, good);
  assert.equal((await session.request({ type: "ping" })).type, "pong");
  assert.equal(b.server!.sessions.length, 1, "one warm-up, one session");

  await new Promise((r) => setTimeout(r, 100)); // the warm-up of `down` has failed by now
  await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "ECONNREFUSED", "the warm-up's own error");
  await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "BACKOFF", "then the backoff, as after any failure");
  pool.warm(group, down); // in backoff: nothing is tried
  now += 1000;
  await assert.rejects(pool.session(group, down), (e: unknown) => e instanceof PeerError && e.remoteCode === "ECONNREFUSED");
  assert.equal(pool.states().find((s) => s.host === "down")!.failures, 2);
});

// sync's check warms sessions up when it suspects a change; when the run then has nothing to
// push, the pool is closed and the index right after it. A warm-up still in its handshake
// (which pins the peer's certificate in that index) used to fail against the closed index and
// warn "cannot connect ... The database connection is not open" at the end of an idle run.
test("PeerPool.close() lets a warm-up in flight finish while the caller's index is open, and nothing warns after", async () => {
  const b = { ...makeNode("b"), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")])]);
  const good = makeHost("b", await serve(b));
  cleanups.push(() => b.server?.close(50));
  const group = makeGroup("g", "a", [makeHost("a"), good]);
  const a = makeNode("a");
  const db = openIndex(a.stateDir);
  const { logger, records, text } = captureLogger();
  const pool = new PeerPool({ ...a, pins: new PinStore(db), logger, limits: resolveLimits({}) });

  pool.warm(group, good);
  await pool.close(5_000);
  db.close();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(records.filter((r) => (r.level as number) >= 40), [], text());
  assert.ok(records.some((r) => r.msg === "connected"), `the warm-up finished before close() returned: ${text()}`);
});
