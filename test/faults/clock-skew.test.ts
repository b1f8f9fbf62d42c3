// Clock skew (issue #10, item 4): node c's clock runs 10 minutes ahead. Its daemon and its
// command runs see that clock through libfaketime (Debian's `faketime`, LD_PRELOAD), and the
// files a user writes there carry mtimes from it (set with utimes, as c's kernel would stamp
// them). Concurrent edits of the same files on a and c under `auto younger`: every node picks
// the same winner whatever order the syncs run in (c's, whose mtimes are ahead, even for the
// edit made later in real time: what the man page documents), the losers are in backups; and
// both a's daemon log and `peersync status` on a and c warn about the skew measured in the hello.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, startDaemon } from "../helpers/daemon.js";
import { sleep } from "../helpers/faults.js";
import { FAST_ENV, makeCluster, type Cluster } from "../integration/sync-cluster.js";

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const SKEW_S = 600;
const SKEWED: Record<string, string> = { LD_PRELOAD: LIBFAKETIME, FAKETIME: `+${SKEW_S}s`, FAKETIME_DONT_RESET: "1" };

let cluster: Cluster | undefined;
after(async () => {
  await cluster?.stop();
  if (cluster) cleanup(cluster.dir);
});

type Node = Cluster["nodes"][string];

/** A user's write on a node: c's mtimes come from its clock, 10 minutes ahead. */
function edit(node: Node, rel: string, text: string): void {
  const file = join(node.root, rel);
  writeFileSync(file, text);
  if (node.name === "c") {
    const t = Date.now() / 1000 + SKEW_S;
    utimesSync(file, t, t);
  }
}

async function sync(node: Node): Promise<void> {
  const r = await node.run(["sync"], node.name === "c" ? SKEWED : {});
  assert.ok(r.code === 0 || r.code === 3, `sync on ${node.name} exited ${r.code}: ${r.stderr}`);
}

/** Every file below a node's backup directory (default: under its state dir), by content. */
function backedUp(node: Node): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, d.name);
      if (d.isDirectory()) walk(full);
      else if (d.isFile() && full.includes("backup")) out.push(readFileSync(full, "utf8"));
    }
  };
  walk(node.state);
  return out;
}

test("one node's clock 10 minutes ahead: auto younger picks one winner everywhere, and the skew is warned about", { timeout: 300_000 }, async () => {
  const probe = await import("node:child_process").then((cp) => cp.spawnSync(process.execPath, ["-e", "process.stdout.write(String(Date.now()))"], { env: { ...process.env, ...SKEWED }, encoding: "utf8" }));
  const ahead = Number(probe.stdout) - Date.now();
  assert.ok(ahead > (SKEW_S - 30) * 1000, `libfaketime must move node's clock (${LIBFAKETIME}; got ${ahead} ms ahead): apt-get install faketime`);

  cluster = await makeCluster(["a", "b", "c"], { start: false, extra: ["auto younger;"] });
  const { a, b, c } = cluster.nodes as Record<string, Node>;
  await a!.start();
  await b!.start();
  c!.daemon = await startDaemon({ name: "c", configFile: cluster.configFile, stateDir: c!.state, env: { ...FAST_ENV, ...SKEWED } });

  edit(a!, "x.conf", "x: base\n");
  edit(a!, "y.conf", "y: base\n");
  await sync(a!);

  // x: c edits first (real time), a a second later; y: a first, then c. Syncs in both orders.
  edit(c!, "x.conf", "x: c's edit, earlier in real time\n");
  edit(a!, "y.conf", "y: a's edit, earlier in real time\n");
  await sleep(1100);
  edit(a!, "x.conf", "x: a's edit, later in real time\n");
  edit(c!, "y.conf", "y: c's edit, later in real time\n");
  assert.ok(statSync(join(c!.root, "x.conf")).mtimeMs > statSync(join(a!.root, "x.conf")).mtimeMs, "c's mtime is ahead");

  const mark = a!.daemon!.mark();
  await sync(c!);
  await sync(a!);
  await sync(b!);
  await sync(c!);
  for (const n of [a!, b!, c!]) {
    assert.equal(readFileSync(join(n.root, "x.conf"), "utf8"), "x: c's edit, earlier in real time\n", `x on ${n.name}`);
    assert.equal(readFileSync(join(n.root, "y.conf"), "utf8"), "y: c's edit, later in real time\n", `y on ${n.name}`);
  }
  const backups = [a!, b!, c!].flatMap(backedUp);
  assert.ok(backups.includes("x: a's edit, later in real time\n"), `a's losing x is in a backup: ${JSON.stringify(backups)}`);
  assert.ok(backups.includes("y: a's edit, earlier in real time\n"), `a's losing y is in a backup: ${JSON.stringify(backups)}`);

  // The daemon's log on a: c connected with a clock 600 s ahead.
  const warned = await a!.daemon!.waitForLog((r) => r.level === "warn" && /clock of c is (59\d|60\d) s ahead/.test(String(r.msg)), 5_000);
  assert.ok(a!.daemon!.logsSince(mark).includes(warned));
  assert.ok(!a!.daemon!.logText().includes("clock of b"), "no warning about b, whose clock is right");

  // status on a (real clock) and c (skewed): both name the other's skew, neither warns about b.
  const onA = JSON.parse((await a!.run(["status", "--json"])).stdout) as { groups: { peers: { name: string; clockSkewMs?: number; clockWarning?: string }[] }[] };
  const peersA = Object.fromEntries(onA.groups[0]!.peers.map((p) => [p.name, p]));
  assert.ok(Math.abs(peersA["c"]!.clockSkewMs! - SKEW_S * 1000) < 30_000, `a measures c ~600 s ahead: ${peersA["c"]!.clockSkewMs}`);
  assert.match(peersA["c"]!.clockWarning ?? "", /clock of c is \d+ s ahead/);
  assert.ok(!peersA["b"]!.clockWarning, "no warning about b");
  const human = await a!.run(["status"]);
  assert.match(human.stdout, /WARNING: clock of c is \d+ s ahead/);
  const onC = JSON.parse((await c!.run(["status", "--json"], SKEWED)).stdout) as typeof onA;
  const peerA = onC.groups[0]!.peers.find((p) => p.name === "a")!;
  assert.ok(Math.abs(peerA.clockSkewMs! + SKEW_S * 1000) < 30_000, `c measures a ~600 s behind: ${peerA.clockSkewMs}`);
  assert.match(peerA.clockWarning ?? "", /clock of a is \d+ s behind/);
});
