// Hostile input against a real `peersync daemon` with short timeouts: garbage, oversized and
// truncated frames, paths that try to escape, a flood of requests whose replies are never
// read, and clients that connect and say nothing. Each gets its session closed within its
// timeout, the daemon's memory stays bounded, and it keeps serving a good peer.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { after, before, test } from "node:test";
import { encodeFrame, encodeHeader } from "../../src/net/frame.js";
import { encodeMessage, kindOf } from "../../src/net/messages.js";
import { connectSession } from "../../src/net/connect.js";
import { makeGroup, makeHost, makeNode, prepareIdentities, rawSetup, rawTls } from "../../src/net/testing.js";
import { cleanup, freePort, startDaemon, tempDir, writeConfig, writeKey, type DaemonProcess, type LogRecord } from "../helpers/daemon.js";

const HANDSHAKE_MS = 800;
const IDLE_MS = 800;
const REQUEST_MS = 1200;
// Generous: the suite shares two cores with other tests; the point is "bounded", not "fast".
const SLACK_MS = 2500;
const dir = tempDir("transport-hostile");
const keyFile = writeKey(dir, "g.key", "hostile");
const key = readFileSync(keyFile, "utf8").trim();
let daemon: DaemonProcess;
let port = 0;
let baselineRss = 0;

before(async () => {
  const identities = prepareIdentities(["a"]);
  port = await freePort();
  const configFile = writeConfig(dir, "b.cfg", [{ name: "g", hosts: ["a@127.0.0.1:1", `b@127.0.0.1:${port}`], keyFile }]);
  daemon = await startDaemon({
    name: "b", configFile, stateDir: join(dir, "b"),
    env: {
      PEERSYNC_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS), PEERSYNC_IDLE_TIMEOUT_MS: String(IDLE_MS),
      PEERSYNC_REQUEST_TIMEOUT_MS: String(REQUEST_MS), PEERSYNC_MAX_SESSIONS: "16",
    },
  });
  await identities;
  await servesGoodPeer();
  baselineRss = daemon.rssBytes();
});

after(async () => {
  await daemon?.stop();
  cleanup(dir);
});

const a = () => makeNode("a");
const group = () => makeGroup("g", "a", [makeHost("a"), makeHost("b", port)], key);

async function servesGoodPeer(): Promise<void> {
  const g = group();
  const session = await connectSession(g, g.peers[0]!, a());
  assert.deepEqual(await session.request({ type: "ping" }), { type: "pong" });
  session.close();
}

/** An authenticated raw connection as host "a". */
async function authenticated(): Promise<TLSSocket> {
  const socket = await rawTls(port, a().identity);
  const { answer } = await rawSetup(socket, { group: "g", client: "a", server: "b", key });
  assert.equal(answer?.type, "proof");
  return socket;
}

/**
 * The daemon's record of the end of the connection from local port `from`, logged after
 * `mark`: the kernel reuses local ports, so an earlier case's record may name the same one.
 */
function closedRecord(from: number, timeoutMs: number, mark: number): Promise<LogRecord> {
  const isEnd = (r: LogRecord) => r["remote"] === `127.0.0.1:${from}` && /^(session closed|refused)/.test(r.msg ?? "");
  return daemon.waitForLog(isEnd, timeoutMs, mark);
}

const stat = (path: string) => encodeFrame(kindOf("stat"), 1, Buffer.from(JSON.stringify({ path })));

const cases: { name: string; within: number; reason: RegExp; attack: () => Promise<Socket> }[] = [
  { name: "garbage bytes instead of TLS", within: 0, reason: /TLS handshake failed/, attack: async () => {
    const s = netConnect(port, "127.0.0.1");
    s.on("error", () => undefined).on("connect", () => s.write(randomBytes(64 << 10)));
    return new Promise((r) => s.on("connect", () => r(s)));
  } },
  { name: "garbage bytes inside TLS before the hello", within: 0, reason: /Cannot (accept frame|decode message|set up session)/, attack: async () => {
    const s = await rawTls(port, a().identity);
    s.on("error", () => undefined).write(randomBytes(64 << 10));
    return s;
  } },
  { name: "garbage bytes after authentication", within: 0, reason: /Cannot (accept frame|decode message|accept)/, attack: async () => {
    const s = await authenticated();
    s.write(Buffer.concat([Buffer.from([0, 0, 0, 4, 0x10, 0, 0, 0, 1]), randomBytes(4)]));
    s.write(randomBytes(8 << 10));
    return s;
  } },
  { name: "a frame length of 4 GiB", within: 0, reason: /length 4294967295 exceeds the limit/, attack: async () => {
    const s = await authenticated();
    s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, 1]));
    return s;
  } },
  { name: "a truncated frame", within: IDLE_MS, reason: /idle|mid-frame/, attack: async () => {
    const s = await authenticated();
    s.write(Buffer.concat([encodeHeader(kindOf("ping"), 1, 100), Buffer.alloc(10, 0x20)]));
    return s;
  } },
  { name: "a valid frame with a ../../etc/passwd path", within: 0, reason: /not an acceptable path.*"\.\." segment|must be absolute/, attack: async () => {
    const s = await authenticated();
    s.write(stat("../../etc/passwd"));
    return s;
  } },
  { name: "a path with NUL", within: 0, reason: /not an acceptable path.*NUL/, attack: async () => {
    const s = await authenticated();
    s.write(stat("/etc/passwd\u0000.txt"));
    return s;
  } },
  { name: "10,000 requests without reading replies", within: REQUEST_MS + IDLE_MS, reason: /read nothing|idle/, attack: async () => {
    const s = await authenticated();
    s.pause();
    const { kind, body } = encodeMessage({ type: "status" });
    const frames = Array.from({ length: 10_000 }, (_, i) => encodeFrame(kind, i + 1, body));
    s.write(Buffer.concat(frames));
    return s;
  } },
  { name: "a TCP client that sends nothing (slowloris)", within: HANDSHAKE_MS, reason: /TLS handshake failed|timeout/i, attack: async () => {
    const s = netConnect(port, "127.0.0.1");
    s.on("error", () => undefined);
    return new Promise((r) => s.on("connect", () => r(s)));
  } },
  { name: "a TLS client that sends no hello", within: HANDSHAKE_MS, reason: /no hello and proof within/, attack: () => rawTls(port, a().identity) },
  { name: "an authenticated client that sends nothing", within: IDLE_MS, reason: /idle for/, attack: authenticated },
];

for (const c of cases) {
  test(`the daemon closes the session of ${c.name} within its timeout and keeps serving`, async (t) => {
    const start = Date.now();
    const mark = daemon.mark();
    const socket = await c.attack();
    socket.on("error", () => undefined);
    const record = await closedRecord(socket.localPort!, c.within + SLACK_MS + 2000, mark);
    const took = Number(record["time"]) - start;
    assert.ok(took <= c.within + SLACK_MS, `closed after ${took} ms, limit ${c.within + SLACK_MS} ms`);
    assert.match(JSON.stringify(record), c.reason);
    t.diagnostic(`closed after ${took} ms: ${String(record.msg)}`);
    socket.destroy();
    await servesGoodPeer();
  });
}

test("the daemon's memory stays bounded after the attacks", (t) => {
  const rss = daemon.rssBytes();
  t.diagnostic(`daemon RSS ${baselineRss >> 20} MiB before, ${rss >> 20} MiB after`);
  assert.ok(rss - baselineRss < 64 << 20, `RSS grew from ${baselineRss >> 20} MiB to ${rss >> 20} MiB`);
});

test("connections beyond maxSessions are dropped and the daemon recovers", async () => {
  const idle = await Promise.all(Array.from({ length: 20 }, () => new Promise<Socket>((r) => {
    const s = netConnect(port, "127.0.0.1", () => r(s));
    s.on("error", () => undefined);
  })));
  await daemon.waitForLog((r) => r.msg === "refused connection: too many sessions", 3000);
  for (const s of idle) s.destroy();
  await new Promise((r) => setTimeout(r, 200));
  await servesGoodPeer();
});
