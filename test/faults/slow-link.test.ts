// Slow and flaky links (issue #10, item 5). The issue asks for tc netem (100 ms delay, 1 % loss)
// in the namespaces; this kernel has no sch_netem, so the link is impaired by the user-space
// proxy of test/helpers/link-proxy.ts (100 ms latency, random 200–600 ms stalls, a thin pipe,
// and a connection torn down mid-transfer). Where `tc qdisc add ... netem` works, the last test
// also runs a sync across a netns bridge with real netem on its ports.
//  1. A mixed tree syncs through the slow, stalling link.
//  2. A large new file whose transfer is cut off mid-way resumes: b kept a partial file named by
//     the content hash, the next sync sends only the rest (bytes on the wire say so), the file
//     arrives whole and verified, and no partial is left.
//  3. A run cut off after the peer applied part of it counts that part in its summary.
//  4. A stale partial (older than PEERSYNC_PARTIAL_TTL_MS) is removed when the daemon starts.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cleanup, runCli, startDaemon, tempDir, writeKey, type DaemonProcess } from "../helpers/daemon.js";
import { sha256, sized, proxiedPairFixture } from "../helpers/faults.js";
import { applyNetem, createLab, netemAvailable, runIn } from "../helpers/netns.js";
import { FAST_ENV, snapshot } from "../integration/sync-cluster.js";

const BIG_MB = sized("PEERSYNC_RESUME_BIG_MB", 24, 200);
const fx = proxiedPairFixture("link");
const { dir, root, state } = fx;
const partials = (): string[] => readdirSync(root("b")).filter((f) => f.startsWith(".peersync-part-"));
// Long enough for a 200 MiB put through the thin pipe in soak.
const ENV = { ...FAST_ENV, PEERSYNC_REQUEST_TIMEOUT_MS: "600000" };

interface Setup {
  readonly cfgA: string;
  readonly cfgB: string;
}

/** a pushes to b through the proxy: a's config has b at the proxy's port, b's its real port. */
async function setup(): Promise<Setup> {
  const { cfgA, cfgB } = await fx.link({ link: { latencyMs: 100, stallChance: 0.05, bytesPerSecond: 8 << 20 } });
  fx.daemon = await startDaemon({ name: "b", configFile: cfgB, stateDir: state("b"), env: ENV });
  return { cfgA, cfgB };
}

const syncA = (s: Setup) => runCli(["-N", "a", "--config", s.cfgA, "--state-dir", state("a"), "sync"], ENV);

let s: Setup;

test("a mixed tree syncs through a 100 ms, stalling, thin link", { timeout: 300_000 }, async () => {
  s = await setup();
  for (let d = 0; d < 3; d++) {
    mkdirSync(join(root("a"), `dir${d}`));
    for (let f = 0; f < 5; f++) writeFileSync(join(root("a"), `dir${d}`, `f${f}.txt`), randomBytes(2000 + f * 500));
  }
  writeFileSync(join(root("a"), "medium.bin"), randomBytes(300 * 1024));
  const r = await syncA(s);
  assert.equal(r.code, 0, `${r.stderr}\nb's log:\n${fx.daemon!.logText()}`);
  assert.deepEqual(snapshot(root("b")), snapshot(root("a")));
  assert.ok(fx.proxy!.bytesUp > 300 * 1024, "the bytes went through the proxy");
});

test(`a ${BIG_MB} MiB transfer cut off mid-way resumes from the partial file instead of starting over`, { timeout: 1_200_000 }, async () => {
  const size = BIG_MB << 20;
  const content = randomBytes(size);
  writeFileSync(join(root("a"), "big.bin"), content);
  fx.proxy!.reset();
  fx.proxy!.dropAfter(Math.floor(size / 2));
  const cut = await syncA(s);
  assert.notEqual(cut.code, 0, "the cut-off run reports the peer's failure");
  assert.equal(fx.proxy!.drops, 1, "the link was torn down once");
  assert.ok(!existsSync(join(root("b"), "big.bin")), "nothing at the target path");
  const kept = partials();
  assert.equal(kept.length, 1, `one partial file on b: ${kept.join(", ")}`);
  assert.ok(kept[0]!.startsWith(`.peersync-part-${sha256(content).slice(0, 16)}`), "named by the content hash");
  const keptBytes = statSync(join(root("b"), kept[0]!)).size;
  assert.ok(keptBytes >= size / 4, `b kept ${keptBytes} of ${size} bytes`);

  fx.proxy!.reset();
  const resumed = await syncA(s);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(readFileSync(join(root("b"), "big.bin")).equals(content), "the file arrived whole");
  const slack = 2 << 20; // protocol, the small check traffic
  console.log(`# resume: b kept ${keptBytes} bytes; the second run sent ${fx.proxy!.bytesUp} bytes for a ${size}-byte file`);
  assert.ok(fx.proxy!.bytesUp <= size - keptBytes + slack, `the second run sent ${fx.proxy!.bytesUp} bytes: more than the ${size - keptBytes} missing (restarted from zero?)`);
  assert.deepEqual(partials(), [], "no partial left");
  assert.deepEqual(snapshot(root("b")), snapshot(root("a")));
});

test("a run whose link is cut mid-way counts what the peer applied before the cut", { timeout: 300_000 }, async () => {
  mkdirSync(join(root("a"), "cut"));
  // More than one offer batch (200 entries): the first one's files go before the big file's offer.
  for (let f = 0; f < 250; f++) writeFileSync(join(root("a"), "cut", `f${f}.txt`), randomBytes(1000));
  // Offered after the small files (path order): the cut falls in its body.
  const big = randomBytes(6 << 20);
  writeFileSync(join(root("a"), "zz-cut.bin"), big);
  fx.proxy!.reset();
  fx.proxy!.dropAfter(4 << 20);
  const cut = await runCli(["-N", "a", "--config", s.cfgA, "--state-dir", state("a"), "sync", "--json"], ENV);
  assert.equal(cut.code, 4, `b lost mid-way: ${cut.stderr}`);
  assert.equal(fx.proxy!.drops, 1);
  const summary = JSON.parse(cut.stdout) as { applied: number; unreachable: string[] };
  assert.deepEqual(summary.unreachable, ["b"]);
  const landed = readdirSync(join(root("b"), "cut")).filter((f) => !f.startsWith(".peersync-")).length;
  assert.ok(landed > 0, "small files landed before the cut");
  // Those whose answers came back before the cut (an answer the cut lost leaves its file pending).
  assert.ok(summary.applied > 0 && summary.applied <= landed + 1, `the summary counts what b applied (${landed} files there): ${cut.stdout}`);
  fx.proxy!.reset();
  const rest = await syncA(s);
  assert.equal(rest.code, 0, rest.stderr);
  assert.deepEqual(snapshot(root("b")), snapshot(root("a")));
});

test("a stale partial file is removed when the daemon starts; a fresh one is kept", { timeout: 120_000 }, async () => {
  const stale = join(root("b"), `.peersync-part-${sha256(Buffer.from("stale")).slice(0, 64)}`);
  const fresh = join(root("b"), `.peersync-part-${sha256(Buffer.from("fresh")).slice(0, 64)}`);
  writeFileSync(stale, "half of something");
  writeFileSync(fresh, "half of something else");
  const old = Date.now() / 1000 - 2 * 24 * 3600;
  utimesSync(stale, old, old);
  await fx.daemon!.stop();
  fx.daemon = await startDaemon({ name: "b", configFile: s.cfgB, stateDir: state("b"), env: ENV });
  // The daemon sweeps its roots in the background once it serves (start-up stays short).
  await fx.daemon.waitForLog((r) => r.msg === "temp sweep done", 60_000);
  assert.ok(!existsSync(stale), "expired (default TTL 24 h)");
  assert.ok(existsSync(fresh), "kept for a transfer that may still resume");
});

test("with tc netem where the kernel has it: a sync across a netns bridge with 100 ms delay and 1 % loss", { timeout: 300_000 }, async (t) => {
  if (!netemAvailable()) {
    // Not a skip: the user-space proxy above covered the same impairments on this machine.
    t.diagnostic("tc netem unavailable here (no sch_netem); the link proxy emulated delay, stalls and drops");
    return;
  }
  const lab = createLab(["a", "b"]);
  const daemons: DaemonProcess[] = [];
  try {
    applyNetem(lab);
    const nd = tempDir("netem");
    const key = writeKey(nd, "g.key", "netem");
    for (const n of ["a", "b"]) mkdirSync(join(nd, n, "tree"), { recursive: true });
    const cfg = join(nd, "peersync.cfg");
    writeFileSync(cfg, [`prefix data { on a: ${join(nd, "a", "tree")}; on b: ${join(nd, "b", "tree")}; }`, "group g {",
      `  host a@${lab.nodes["a"]!.ip}:30865 b@${lab.nodes["b"]!.ip}:30865;`, `  key ${key};`, "  include %data%;", "  watch no;", "}", ""].join("\n"));
    daemons.push(await startDaemon({ name: "b", configFile: cfg, stateDir: join(nd, "b", "state"), env: ENV, wrap: lab.nodes["b"]!.wrap }));
    writeFileSync(join(nd, "a", "tree", "big.bin"), randomBytes(4 << 20));
    const r = await runIn(lab.nodes["a"]!, ["-N", "a", "--config", cfg, "--state-dir", join(nd, "a", "state"), "sync"], ENV);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(snapshot(join(nd, "b", "tree")), snapshot(join(nd, "a", "tree")));
    cleanup(nd);
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    lab.destroy();
  }
});
