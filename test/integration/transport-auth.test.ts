// Authentication against a real `peersync daemon`: every way in that must fail is refused, the
// reason is logged by the daemon and by the client, nothing in the daemon's index or on disk
// changes, and the daemon keeps serving a good peer. Also: trust --reset, SIGHUP, SIGTERM.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { AuthError } from "../../src/errors.js";
import { indexPath } from "../../src/index/database.js";
import { PeerPool } from "../../src/net/pool.js";
import { captureLogger, makeGroup, makeHost, makeNode, prepareIdentities, rawSetup, rawTls } from "../../src/net/testing.js";
import { resolveLimits } from "../../src/net/limits.js";
import { cleanup, freePort, runCli, startDaemon, tempDir, writeConfig, writeKey, type DaemonProcess, type GroupSpec } from "../helpers/daemon.js";

const dir = tempDir("transport-auth");
const data = join(dir, "data");
let daemon: DaemonProcess;
let portB = 0;
let groups: GroupSpec[];
const keyOf = (file: string) => readFileSync(file, "utf8").trim();
const keyG = writeKey(dir, "g.key", "group-g");
const keyH = writeKey(dir, "h.key", "group-h");
const keyWrong = writeKey(dir, "wrong.key", "wrong");

before(async () => {
  const identities = prepareIdentities(["a", "x", "c"]);
  mkdirSync(data);
  writeFileSync(join(data, "file"), "content\n");
  portB = await freePort();
  groups = [
    { name: "g", hosts: [`a@127.0.0.1:${await freePort()}`, `b@127.0.0.1:${portB}`], keyFile: keyG, include: [data] },
    { name: "h", hosts: [`c@127.0.0.1:${await freePort()}`, `b@127.0.0.1:${portB}`], keyFile: keyH, include: [data] },
  ];
  daemon = await startDaemon({ name: "b", configFile: writeConfig(dir, "b.cfg", groups), stateDir: join(dir, "b") });
  await identities;
  goodA = client("a");
});

after(async () => {
  await daemon?.stop();
  cleanup(dir);
});

/** A client node in this process; `as` is the name it claims, `key` the group key it holds. */
function client(as: string, options: { key?: string; group?: string; fresh?: boolean } = {}) {
  const node = makeNode(as, { connectTimeoutMs: 5000 }, { freshIdentity: options.fresh ?? false });
  const log = captureLogger();
  const group = makeGroup(options.group ?? "g", as, [makeHost(as), makeHost("b", portB)], options.key ?? keyOf(keyG));
  const pool = new PeerPool({ ...node, limits: resolveLimits({ backoffBaseMs: 1 }), logger: log.logger });
  return { node, log, group, host: group.peers[0]!, pool };
}

let goodA: ReturnType<typeof client>;

/** Everything the daemon keeps: every table's rows, the state dir's files, the synced tree. */
function snapshot(): string {
  const db = new Database(indexPath(join(dir, "b")), { readonly: true });
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
  const rows = tables.map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}"`).all()]);
  db.close();
  const files = readdirSync(join(dir, "b")).filter((f) => !/-(wal|shm)$/.test(f)).sort();
  return JSON.stringify({ rows, files, identity: readFileSync(join(dir, "b", "identity.pem"), "utf8"), data: readdirSync(data), content: readFileSync(join(data, "file"), "utf8") });
}

async function servesGoodPeer(): Promise<void> {
  const session = await goodA.pool.session(goodA.group, goodA.host);
  assert.deepEqual(await session.request({ type: "ping" }), { type: "pong" });
}

test("a good peer is served, and both sides pin on first contact", async () => {
  await servesGoodPeer();
  await daemon.waitForLog((r) => r.msg?.startsWith("session open") === true && r["peer"] === "a" && r["pinned"] === true);
  assert.equal(goodA.node.pins.get("b")?.group, "g");
});

let replayed: Buffer | undefined;
const setupAsA = () => ({ group: "g", client: "a", server: "b", key: keyOf(keyG) });
const refusals: { name: string; prepare?: () => Promise<void>; attempt: () => Promise<unknown>; server: RegExp; client: RegExp }[] = [
  {
    name: "a wrong group key",
    attempt: () => { const c = client("a", { key: keyOf(keyWrong) }); return c.pool.session(c.group, c.host).finally(() => (last = c.log.text())); },
    server: /group-key proof does not match/, client: /group-key proof does not match/,
  },
  {
    name: "a host not in the group",
    attempt: () => { const c = client("x"); return c.pool.session(c.group, c.host).finally(() => (last = c.log.text())); },
    server: /node \\"x\\": it is not a host of group \\"g\\"/, client: /not a host of group/,
  },
  {
    name: "a host of another group only",
    attempt: () => { const c = client("c", { key: keyOf(keyH) }); return c.pool.session(c.group, c.host).finally(() => (last = c.log.text())); },
    server: /node \\"c\\": it is not a host of group \\"g\\"/, client: /not a host of group/,
  },
  {
    name: "a group this node is not in",
    attempt: () => { const c = client("a", { group: "nope" }); return c.pool.session(c.group, c.host).finally(() => (last = c.log.text())); },
    server: /not a member of group \\"nope\\"/, client: /not a member of group/,
  },
  {
    name: "a changed certificate",
    attempt: () => { const c = client("a", { fresh: true }); return c.pool.session(c.group, c.host).finally(() => (last = c.log.text())); },
    // The daemon's own line says what to run and where, not only a field beside it.
    server: /"msg":"refused peer: Cannot trust host \\"a\\": its certificate changed \(pinned [0-9A-F:]{95}, presented [0-9A-F:]{95}\); .*peersync trust --reset a` on node \\"b\\"/,
    // The client reads the server's refusal: it must name the node where the pin is reset.
    client: /certificate changed.*peersync trust --reset a` on node \\"b\\"/,
  },
  {
    name: "a replayed proof",
    // A good connection first (it updates the pin's last-seen time: a real contact), then its
    // proof replayed on a second connection.
    prepare: async () => {
      const first = await rawSetup(await rawTls(portB, goodA.node.identity), setupAsA());
      assert.equal(first.answer?.type, "proof");
      replayed = first.proof;
    },
    attempt: async () => {
      const second = await rawSetup(await rawTls(portB, goodA.node.identity), { ...setupAsA(), proof: replayed! });
      last = JSON.stringify(second.answer);
      if (second.answer?.type === "error") throw new AuthError(second.answer.message);
    },
    server: /group-key proof does not match/, client: /group-key proof does not match/,
  },
  {
    name: "a TLS 1.2 client",
    attempt: () => rawTls(portB, goodA.node.identity, { minVersion: "TLSv1.2", maxVersion: "TLSv1.2" }).catch((e: Error) => { last = e.message; throw e; }),
    server: /TLS handshake failed.*(unsupported protocol|version)/i, client: /alert|protocol version|unsupported/i,
  },
  {
    name: "a plain-TCP client",
    attempt: () => new Promise((_, reject) => {
      const s = netConnect(portB, "127.0.0.1", () => s.write("HELLO a\nSIG key /etc/passwd\n"));
      let got = "";
      s.on("data", (d) => (got += d.toString("latin1")));
      s.on("close", () => { last = `closed after ${got.length} bytes`; reject(new Error(last)); });
    }),
    server: /TLS handshake failed/, client: /closed/,
  },
];
let last = "";

for (const r of refusals) {
  test(`the daemon refuses ${r.name}, logs why on both sides, changes nothing, and keeps serving`, async () => {
    await r.prepare?.();
    const before = snapshot();
    const mark = daemon.mark();
    last = "";
    await assert.rejects(r.attempt());
    assert.match(last, r.client);
    await daemon.waitForLog((rec) => r.server.test(JSON.stringify(rec)), 5000, mark);
    assert.equal(snapshot(), before);
    await servesGoodPeer();
  });
}

test("trust --reset lets a reinstalled peer pin its new certificate", async () => {
  const reinstalled = client("a", { fresh: true });
  await assert.rejects(reinstalled.pool.session(reinstalled.group, reinstalled.host), AuthError);
  const res = await runCli(["-N", "b", "--config", daemon.configFile, "--state-dir", daemon.stateDir, "trust", "--reset", "a"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /forgot the certificate of "a"/);
  reinstalled.pool.resetBackoff(reinstalled.group, reinstalled.host);
  const session = await reinstalled.pool.session(reinstalled.group, reinstalled.host);
  assert.equal((await session.request({ type: "ping" })).type, "pong");
  const listed = await runCli(["-N", "b", "--config", daemon.configFile, "--state-dir", daemon.stateDir, "trust"]);
  assert.match(listed.stdout, new RegExp(reinstalled.node.identity.fingerprint));
  // --json gives times in milliseconds, as peersync(1) says of every --json time.
  const json = await runCli(["-N", "b", "--config", daemon.configFile, "--state-dir", daemon.stateDir, "--json", "trust"]);
  const pin = (JSON.parse(json.stdout) as { pins: { host: string; pinnedAt: unknown; lastSeenAt: unknown }[] }).pins.find((p) => p.host === "a");
  assert.ok(pin !== undefined && typeof pin.pinnedAt === "number" && typeof pin.lastSeenAt === "number", json.stdout);
  await reinstalled.pool.close();
});

test("SIGHUP reloads the config: a host added to the group gets in, a host removed is cut off", async () => {
  const x = client("x");
  await assert.rejects(x.pool.session(x.group, x.host), AuthError);
  writeConfig(dir, "b.cfg", [{ ...groups[0]!, hosts: [...groups[0]!.hosts, "x@127.0.0.1:1"] }, groups[1]!]);
  const mark = daemon.mark();
  daemon.signal("SIGHUP");
  await daemon.waitForLog((rec) => rec.msg === "config reloaded", 10_000, mark);
  x.pool.resetBackoff(x.group, x.host);
  const session = await x.pool.session(x.group, x.host);
  assert.equal((await session.request({ type: "ping" })).type, "pong");
  // Removed again: its open session ends at the reload, with the reason on both sides.
  writeConfig(dir, "b.cfg", groups);
  daemon.signal("SIGHUP");
  const reason = await session.closed;
  assert.match(reason?.message ?? "", /no longer a host of group "g"/);
  await daemon.waitForLog((rec) => rec["peer"] === "x" && /no longer a host/.test(rec.msg ?? ""));
  await x.pool.close();
});

test("SIGTERM closes open sessions and exits 0", async () => {
  const session = await goodA.pool.session(goodA.group, goodA.host);
  const result = await daemon.stop();
  assert.deepEqual(result, { code: 0, signal: null });
  assert.equal(await Promise.race([session.closed.then(() => "closed"), new Promise((r) => setTimeout(r, 2000, "open"))]), "closed");
  await daemon.waitForLog((rec) => rec.msg === "stopped", 1000);
});

test("daemon --once (csync2 -iii) serves one connection, then exits 0", async () => {
  const port = await freePort();
  const once = await startDaemon({
    name: "b", stateDir: join(dir, "b-once"), args: ["--once"],
    configFile: writeConfig(dir, "once.cfg", [{ ...groups[0]!, hosts: [groups[0]!.hosts[0]!, `b@127.0.0.1:${port}`] }]),
  });
  const c = client("a");
  const host = makeHost("b", port);
  const group = makeGroup("g", "a", [makeHost("a"), host], keyOf(keyG));
  const session = await c.pool.session(group, host);
  assert.equal((await session.request({ type: "ping" })).type, "pong");
  await c.pool.close();
  assert.deepEqual(await once.exited, { code: 0, signal: null });
});

test("a daemon listening on ::1 serves a peer over IPv6", async () => {
  const port = await freePort();
  const v6 = await startDaemon({
    name: "b", stateDir: join(dir, "b-v6"),
    configFile: writeConfig(dir, "v6.cfg", [{ ...groups[0]!, hosts: [groups[0]!.hosts[0]!, `b@[::1]:${port}`] }]),
  });
  await v6.waitForLog((r) => r.msg === "listening" && r["address"] === "::1");
  const c = client("a");
  const host = makeHost("b", port, "::1");
  const group = makeGroup("g", "a", [makeHost("a"), host], keyOf(keyG));
  const session = await c.pool.session(group, host);
  assert.equal((await session.request({ type: "ping" })).type, "pong");
  await c.pool.close();
  assert.deepEqual(await v6.stop(), { code: 0, signal: null });
});
