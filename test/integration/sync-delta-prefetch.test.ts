// Deltas begun while sync's check hashes a big changed file (src/sync/delta-prefetch.ts),
// against a real daemon: the put sends the delta made early and the peer rebuilds the file;
// below the size limit the put makes its delta itself; a prefetch the push never takes (only
// the mtime moved) is stopped and the run ends; a prefetch whose file changed after it was
// opened is never claimed; a prefetched delta the peer cannot rebuild (made against a
// signature that does not describe its file) is sent again whole.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import type { EntryState } from "../../src/core/entry.js";
import { patch, signature } from "../../src/delta/rsync.js";
import { DeltaPrefetch } from "../../src/sync/delta-prefetch.js";
import { syncSignatureOptions } from "../../src/sync/sync-signature.js";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, speakAs, type Cluster } from "./sync-cluster.js";

const SIZE = 4 << 20;
const PREFETCH = { PEERSYNC_DELTA_PREFETCH_MIN_BYTES: String(1 << 20) };
const SENT_EARLY = /sent the delta begun during the check/;

let c: Cluster;
let big: string;
before(async () => {
  // beta keeps the signatures of the files it receives (signature-cache.ts): the last test plants one.
  c = await makeCluster(["alpha", "beta"], { daemonEnv: { PEERSYNC_SIG_CACHE_MIN_BYTES: String(512 * 1024) } });
  big = join(c.nodes.alpha!.root, "disk.img");
  writeFileSync(big, randomBytes(SIZE));
  const first = await c.nodes.alpha!.run(["sync"], PREFETCH);
  assert.equal(first.code, 0, first.stderr);
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

function edit(at: number, text: string): void {
  const bytes = readFileSync(big);
  bytes.write(text, at);
  writeFileSync(big, bytes);
}

async function sync(env: Readonly<Record<string, string>>): Promise<string> {
  const run = await c.nodes.alpha!.run(["-vv", "sync"], env);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.deepEqual(snapshot(c.nodes.beta!.root), snapshot(c.nodes.alpha!.root));
  return run.stderr;
}

test("an edited big file goes to the peer as the delta begun during the check", async () => {
  edit(Math.floor(SIZE / 3), "edited while nobody looked");
  assert.match(await sync(PREFETCH), SENT_EARLY);
});

test("below PEERSYNC_DELTA_PREFETCH_MIN_BYTES the put makes the delta itself", async () => {
  edit(SIZE / 2, "edited again");
  assert.doesNotMatch(await sync({ PEERSYNC_DELTA_PREFETCH_MIN_BYTES: String(SIZE + 1) }), SENT_EARLY);
});

test("a prefetch the push never takes (only the mtime moved) is stopped, and the run ends", async () => {
  const later = new Date(Date.now() + 60_000);
  utimesSync(big, later, later);
  assert.doesNotMatch(await sync(PREFETCH), SENT_EARLY);
  assert.equal(statSync(join(c.nodes.beta!.root, "disk.img")).mtimeMs, statSync(big).mtimeMs);
});

test("a prefetched delta rebuilds the file; one whose file changed since it was opened is not claimed", async () => {
  edit(100, "a third edit");
  const alpha = c.nodes.alpha!;
  const config = loadConfig({ configFile: c.configFile, nodeName: "alpha", stateDir: alpha.state });
  const group = config.groups[0]!;
  const path = config.toLogicalPath(big);
  const entryOf = (): EntryState => {
    const st = lstatSync(big, { bigint: true });
    return { kind: "file", size: Number(st.size), mtimeNs: st.mtimeNs } as EntryState;
  };
  await speakAs(c, "alpha", async (session) => {
    const deltas = new DeltaPrefetch({ config, session: async () => session, minBytes: 1 });
    try {
      deltas.suspect(group.name, path, SIZE);
      const fits = await deltas.take(group.name, "beta", path);
      assert.ok(fits, "a prefetch was started for the peer");
      const file = await open(big, "r");
      try {
        const body = await fits.claim(file, entryOf());
        assert.ok(body && fits.claimed);
        const basis = await open(join(c.nodes.beta!.root, "disk.img"), "r");
        try {
          const rebuilt: Buffer[] = [];
          for await (const chunk of patch(basis, body)) rebuilt.push(Buffer.from(chunk));
          assert.ok(Buffer.concat(rebuilt).equals(readFileSync(big)), "beta's version patched with the delta is alpha's");
        } finally {
          await basis.close();
        }
      } finally {
        await file.close();
        await fits.stop();
      }

      deltas.suspect(group.name, path, SIZE); // a new prefetch: the last one was taken
      const stale = await deltas.take(group.name, "beta", path);
      assert.ok(stale);
      writeFileSync(big, Buffer.concat([readFileSync(big), Buffer.from("grown after the prefetch opened it")]));
      const now = await open(big, "r");
      try {
        assert.equal(await stale.claim(now, entryOf()), undefined);
        assert.equal(stale.claimed, false);
      } finally {
        await now.close();
      }
    } finally {
      await deltas.close();
    }
  });
});

test("a prefetched delta that does not fit beta's file goes again whole", async () => {
  const cacheDir = join(c.nodes.beta!.state, "signatures");
  const cached = (): string[] => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => n.endsWith(".sig")) : []);
  for (let i = 0; i < 200 && cached().length === 0; i++) await new Promise((res) => setTimeout(res, 50));
  assert.ok(cached().length > 0, "beta has a cached signature to plant");
  edit(SIZE - 64, "an edit sent against a signature of other bytes");
  // Each cache file now holds a well-formed signature of the version alpha sends, not of
  // beta's file: the delta copies every block from beta's file, which differs at the edits.
  const sending = readFileSync(big);
  for (const name of cached()) {
    const parts: Buffer[] = [];
    for await (const b of signature([sending], syncSignatureOptions(Number(name.split("-")[1])))) parts.push(Buffer.from(b));
    const sig = Buffer.concat(parts);
    writeFileSync(join(cacheDir, name), Buffer.concat([sig, createHash("sha256").update(sig).digest()]));
  }
  const stderr = await sync(PREFETCH);
  assert.match(stderr, SENT_EARLY);
  // The planted signature describes alpha's longer file (test 4 grew it): the delta copies
  // past the end of beta's, so beta cannot rebuild it at all (RS_CORRUPT), and says so.
  assert.match(stderr, /beta could not rebuild it from our delta \(.*RS_CORRUPT.*\): .*disk\.img; sending it whole/);
});

test("with two peers, each gets the delta begun for it during the check", async () => {
  const three = await makeCluster(["alpha", "beta", "gamma"]);
  try {
    const file = join(three.nodes.alpha!.root, "disk.img");
    writeFileSync(file, randomBytes(SIZE));
    const first = await three.nodes.alpha!.run(["sync"], PREFETCH);
    assert.equal(first.code, 0, first.stderr);
    const bytes = readFileSync(file);
    bytes.write("one edit for both peers", 12345);
    writeFileSync(file, bytes);
    const run = await three.nodes.alpha!.run(["-vv", "sync"], PREFETCH);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    for (const peer of ["beta", "gamma"]) {
      assert.match(run.stderr, new RegExp(`sent the delta begun during the check path=\\S+ peer=${peer}`));
      assert.deepEqual(snapshot(three.nodes[peer]!.root), snapshot(three.nodes.alpha!.root));
    }
  } finally {
    await three.stop();
    cleanup(three.dir);
  }
});
