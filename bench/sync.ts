// `make bench-sync`: peersync sync against Debian's csync2 2.0 and rsync's daemon protocol, side
// by side in one run, two nodes on loopback (issue 7 item 9).
//
// Scenarios (one source tree that peersync and rsync read, an identical copy for csync2, which
// writes temp files into the tree it sends from; each tool with its own destination):
//   (a) initial sync of 10,000 × 1 KiB files in 100 dirs   targets: ≤ 0.1× csync2, ≤ 1.0× rsync
//   (b) no-change sync                                      ≤ 1.0× csync2
//       (also `peersync check` alone in the same state, for what the sync adds: "peersync check")
//   (c) 100 files changed                                   ≤ 0.5× csync2
//   (d) a 256 MiB file (sent once, not timed), then 100 scattered 100-byte edits:
//       time ≤ 0.5× csync2, wire bytes ≤ 1.2× rsync
//   (e) peersync only: 1 sender → 4 peers, scenario (a): ≤ 2× the time of one peer
// Beside (a), with peersync: its durable-write floor (bench/durable-floor.ts), the same tree
// written by peersync's receive calls alone, with and without the syncs non-negotiable 3 asks
// for; no target, it says how much of (a) any design that keeps that rule must spend.
// Figures: wall time of the client process (spawn to exit, this process's clock), its peak RSS
// (GNU /usr/bin/time -f '%M'), the
// receiving daemon's peak RSS (VmHWM), and bytes on the wire both ways, counted by a small TCP
// proxy in this process that every tool's client connects through (the same meter for all).
// Options: see USAGE below (`node dist/bench/sync.js --help`).
//
// Setup notes: csync2 runs with `nossl * *;` (plain TCP: its TLS needs certificates and hits
// GnuTLS client-certificate trouble, csync2.md §8.1 #1); the two csync2 nodes are 127.0.0.2 and
// 127.0.0.3 (csync2 -N binds the daemon to the node's address and the client's source address;
// the proxy connects from the client's address, since csync2 checks the HELLO name against the
// peer address). rsync: `rsync --daemon --no-detach` with one module per destination, client
// `rsync -a --delete --stats` (delta transfer is rsync's default over the daemon protocol).
// peersync: the sender's config names the receiver at the proxy's port. Every node has its
// identity (RSA 3072 key pair and certificate) before the first timed step, as a deployed node
// does (its daemon makes it when it first starts; `peersync trust`): before, (a) and (e) also
// timed the sender's key generation, 0.3-1 s at random, of which the check hid only a part.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitForQuietFilesystem } from "./quiet-fs.js";
import { freePort, PEERSYNC_BIN, startDaemon, tempDir, writeKey, type DaemonProcess } from "../test/helpers/daemon.js";
import { FAST_ENV } from "../test/integration/sync-cluster.js";
import { prepareIdentity } from "../src/net/identity.js";

const USAGE = `usage: node dist/bench/sync.js [options]   (make bench-sync)
  --runs N          medians of N runs (default 3)
  --quick           1,000 files and a 16 MiB big file instead of 10,000 and 256 MiB
  --only T,T        tools among peersync,rsync,csync2 (default all three)
  --scenarios S,S   scenarios among a,b,c,d,e to record (default all; the steps before a
                    recorded one still run, untimed: (c) needs (a)'s tree on the peer)
  --no-fanout       skip (e); --fanout-only runs only (e)
  --keep            leave the trees in place at the end and print where (to look at them, or
                    to run benchmarks back to back without a mass delete between them)
  --cpu-prof DIR    every peersync process (client and daemons) writes a V8 CPU profile to DIR
                    (open in Chrome DevTools; timings are inflated while profiling)`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const QUICK = args.includes("--quick");
const RUNS = Number(args[args.indexOf("--runs") + 1] ?? 3) || 3;
const ONLY = args.includes("--only") ? args[args.indexOf("--only") + 1]!.split(",") : ["peersync", "rsync", "csync2"];
const SCENARIOS = args.includes("--scenarios") ? args[args.indexOf("--scenarios") + 1]!.split(",") : ["a", "b", "c", "d", "e"];
const PROFILE_DIR = args.includes("--cpu-prof") ? args[args.indexOf("--cpu-prof") + 1] : undefined;
const FANOUT = !args.includes("--no-fanout") && SCENARIOS.includes("e");
const FANOUT_ONLY = args.includes("--fanout-only");
const KEEP = args.includes("--keep");
const FILES = QUICK ? 1_000 : 10_000;
const DIRS = 100;
const BIG = QUICK ? 16 << 20 : 256 << 20;
// NODE_EXTRA_CA_CERTS (set on the machine this was written on, for its web proxy) makes node
// parse that CA file and its own ~140 root certificates before any of our code runs: 40 ms of
// every start here (`node -e 0`: 104 ms with it, 62 ms without; perf: UseExtraCaCerts →
// NewRootCertStore). peersync trusts pinned certificates only and never reads a CA store, and
// the environments it runs in (cron, systemd units) do not carry a login shell's variables, so
// its processes run without it, and the run says so. csync2 and rsync never read it.
const CA_FILE_UNSET = process.env.NODE_EXTRA_CA_CERTS ? "NODE_EXTRA_CA_CERTS is set here: peersync's processes run without it, as from cron or systemd" : undefined;
const ENV: Record<string, string> = {
  ...FAST_ENV, PEERSYNC_REQUEST_TIMEOUT_MS: "120000", PEERSYNC_CONNECT_TIMEOUT_MS: "20000", NODE_EXTRA_CA_CERTS: "",
};
// Node 20 refuses --cpu-prof in NODE_OPTIONS: the flags go on node's own command line.
const NODE_FLAGS = PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
const DAEMON_WRAPPER = PROFILE_DIR ? ["sh", "-c", `node=$1; shift; exec "$node" ${NODE_FLAGS.join(" ")} "$@"`, "sh"] : undefined;

// ---- the counting proxy -------------------------------------------------------------------

class Meter {
  up = 0;
  down = 0;
  get total(): number {
    return this.up + this.down;
  }
  reset(): void {
    this.up = this.down = 0;
  }
}

/**
 * Listens on a port from freePort() (never one handed to a node: a port the kernel picked for
 * listen(0) could be the sender's own, which no process holds during a run, and the config then
 * names two hosts at one address), forwards each connection to target (from `from`, if given), counts bytes both ways. */
async function proxy(host: string, target: { host: string; port: number; from?: string }, meter: Meter): Promise<{ port: number; server: Server }> {
  const server = createServer((client: Socket) => {
    const upstream = connect({ host: target.host, port: target.port, noDelay: true, ...(target.from ? { localAddress: target.from } : {}) });
    // No Nagle on either leg: the proxy must not add the 40 ms delayed-ACK stalls the tools avoid.
    client.setNoDelay(true);
    client.on("data", (d: Buffer) => (meter.up += d.length));
    upstream.on("data", (d: Buffer) => (meter.down += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  const port = await freePort();
  await new Promise<void>((res, rej) => server.once("error", rej).listen(port, host, () => res()));
  return { port: (server.address() as AddressInfo).port, server };
}

// ---- running a client under /usr/bin/time ------------------------------------------------------

interface Timed {
  readonly seconds: number;
  readonly rssKiB: number;
  /** User + system CPU seconds of the client. */
  readonly cpu: number;
  readonly stdout: string;
}

/**
 * Runs one timed step under /usr/bin/time, for its peak RSS and CPU. The wall time is this
 * process's own clock from spawn to exit: time's %e counts in steps of 10 ms, which is 10 % of
 * a no-change run (both tools are timed the same way, /usr/bin/time's own ~1 ms included).
 */
function timed(cmd: string, argv: readonly string[], env: Record<string, string> = {}, cwd?: string): Promise<Timed> {
  return new Promise((res, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn("/usr/bin/time", ["-f", "TIME %e %M %U %S", cmd, ...argv], { env: { ...process.env, ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(err);
      if (!m) return reject(new Error(`${cmd} ${argv.join(" ")}: no timing (exit ${code}):\n${err}`));
      if (code !== 0 && !/Command exited with non-zero status/.test(err)) return reject(new Error(`${cmd}: exit ${code}\n${err}`));
      const exit = /Command exited with non-zero status (\d+)/.exec(err);
      if (exit && !(cmd === "csync2" && exit[1] === "0")) {
        // csync2 -x exits 1 when it had nothing to do in some versions; peersync 0; rsync 0.
        if (cmd !== "csync2") return reject(new Error(`${cmd} ${argv.join(" ")}: exit ${exit[1]}\n${err.slice(-3000)}`));
      }
      res({ seconds, rssKiB: Number(m[2]), cpu: Number(m[3]) + Number(m[4]), stdout: out + err });
    });
  });
}

/** utime + stime of a live process (Linux /proc/PID/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  return cpuSplit(pid).user + cpuSplit(pid).sys;
}

/** utime and stime apart: a receiver's system time is mostly the kernel creating files. */
function cpuSplit(pid: number): { user: number; sys: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/**
 * Resolves once `pids` used no CPU for QUIET_MS (at most 60 s). A receiving peersync daemon
 * goes on working after it answered a large file (it makes that file's signature for the next
 * delta, sync/signature-cache.ts), as a deployed one does between two syncs; without this wait
 * that work ran into whichever step came next, another tool's as often as its own.
 */
async function cpuQuiet(pids: readonly number[]): Promise<void> {
  const total = (): number => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  const deadline = Date.now() + 60_000;
  let last = total();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const now = total();
    if (now === last) return;
    last = now;
  }
}
const QUIET_MS = 200;

function hwmKiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

// ---- the tools ------------------------------------------------------------------------------

interface Step {
  readonly seconds: number;
  readonly wire: number;
  readonly rssKiB: number;
  readonly serverRssKiB: number;
  /** CPU seconds (user + system) of the client, and of the receiving daemons (peersync only; NaN otherwise). */
  readonly cpu: number;
  readonly serverCpu: number;
  /** Of serverCpu, the system time (peersync only; NaN otherwise). */
  readonly serverSys?: number;
}

interface Tool {
  readonly name: string;
  /** The tree it sends from. */
  readonly source: string;
  /** The receiving trees, checked against the source after every step (not timed). */
  readonly dests: readonly string[];
  sync(): Promise<Step>;
  /** peersync only: `peersync check` alone on the sender (what (b) costs before any peer is asked). */
  check?(): Promise<Step>;
  /** Resolves once the tool's own daemons have stopped working (see settled()). */
  quiet?(): Promise<void>;
  stop(): Promise<void>;
}

async function peersyncTool(dir: string, source: string, peers: number): Promise<Tool> {
  const key = writeKey(dir, "g.key", "bench-group");
  const names = ["sender", ...Array.from({ length: peers }, (_, i) => `peer${i + 1}`)];
  const ports = await Promise.all(names.map(() => freePort()));
  const roots = names.map((n, i) => (i === 0 ? source : join(dir, n, "tree")));
  for (const r of roots.slice(1)) mkdirSync(r, { recursive: true });
  const meter = new Meter();
  const proxies = await Promise.all(ports.slice(1).map((p) => proxy("127.0.0.1", { host: "127.0.0.1", port: p }, meter)));
  const cfg = (viaProxy: boolean): string => [
    `prefix data { ${names.map((n, i) => `on ${n}: ${roots[i]};`).join(" ")} }`,
    "group g {",
    `  host ${names.map((n, i) => `${n}@127.0.0.1:${i > 0 && viaProxy ? proxies[i - 1]!.port : ports[i]}`).join(" ")};`,
    `  key ${key};`,
    "  include %data%;",
    "  max-delete 1000000;",
    "  watch no;", // measured: one sync run, not continuous mode (bench/latency.ts)
    "}",
    "",
  ].join("\n");
  writeFileSync(join(dir, "sender.cfg"), cfg(true));
  writeFileSync(join(dir, "peers.cfg"), cfg(false));
  await prepareIdentity(join(dir, "sender", "state"));
  const daemons: DaemonProcess[] = [];
  for (const [i, n] of names.entries()) {
    if (i === 0) continue;
    daemons.push(await startDaemon({ name: n, configFile: join(dir, "peers.cfg"), stateDir: join(dir, n, "state"), env: ENV, readyTimeoutMs: 60_000, ...(DAEMON_WRAPPER ? { wrapper: DAEMON_WRAPPER } : {}) }));
  }
  return {
    name: peers === 1 ? "peersync" : `peersync→${peers}`,
    source,
    dests: roots.slice(1),
    async sync() {
      meter.reset();
      const cpu0 = daemons.reduce((n, d) => n + cpuSeconds(d.pid), 0);
      const sys0 = daemons.reduce((n, d) => n + cpuSplit(d.pid).sys, 0);
      const t = await timed(process.execPath, [...NODE_FLAGS, PEERSYNC_BIN, "-N", "sender", "--config", join(dir, "sender.cfg"), "--state-dir", join(dir, "sender", "state"), "sync"], ENV);
      const serverCpu = daemons.reduce((n, d) => n + cpuSeconds(d.pid), 0) - cpu0;
      const serverSys = daemons.reduce((n, d) => n + cpuSplit(d.pid).sys, 0) - sys0;
      return { seconds: t.seconds, wire: meter.total, rssKiB: t.rssKiB, serverRssKiB: Math.max(...daemons.map((d) => hwmKiB(d.pid))), cpu: t.cpu, serverCpu, serverSys };
    },
    async check() {
      const t = await timed(process.execPath, [...NODE_FLAGS, PEERSYNC_BIN, "-N", "sender", "--config", join(dir, "sender.cfg"), "--state-dir", join(dir, "sender", "state"), "check"], ENV);
      return { seconds: t.seconds, wire: 0, rssKiB: t.rssKiB, serverRssKiB: 0, cpu: t.cpu, serverCpu: 0 };
    },
    quiet: () => cpuQuiet(daemons.map((d) => d.pid)),
    async stop() {
      await Promise.all(daemons.map((d) => d.stop()));
      for (const p of proxies) p.server.close();
    },
  };
}

async function rsyncTool(dir: string, source: string): Promise<Tool> {
  const dest = join(dir, "dest");
  mkdirSync(dest, { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, "rsyncd.conf"), [
    "use chroot = no", "uid = root", "gid = root", `pid file = ${join(dir, "rsyncd.pid")}`, `log file = ${join(dir, "rsyncd.log")}`,
    "[dest]", `  path = ${dest}`, "  read only = no", "",
  ].join("\n"));
  const daemon = spawn("rsync", ["--daemon", "--no-detach", `--config=${join(dir, "rsyncd.conf")}`, `--port=${port}`, "--address=127.0.0.1"], { stdio: "ignore" });
  await waitPort("127.0.0.1", port);
  const meter = new Meter();
  const p = await proxy("127.0.0.1", { host: "127.0.0.1", port }, meter);
  let serverHwm = 0;
  return {
    name: "rsync",
    source,
    dests: [dest],
    async sync() {
      meter.reset();
      // rsync's daemon forks per connection: sample the children's peak while the client runs.
      const sampler = setInterval(() => (serverHwm = Math.max(serverHwm, ...childPids(daemon.pid!).map(hwmKiB))), 100);
      const t = await timed("rsync", ["-a", "--delete", "--stats", `${source}/`, `rsync://127.0.0.1:${p.port}/dest/`]);
      clearInterval(sampler);
      return { seconds: t.seconds, wire: meter.total, rssKiB: t.rssKiB, serverRssKiB: serverHwm, cpu: t.cpu, serverCpu: NaN };
    },
    async stop() {
      daemon.kill("SIGTERM");
      p.server.close();
    },
  };
}

async function csync2Tool(dir: string, source: string): Promise<Tool> {
  const dest = join(dir, "dest");
  mkdirSync(dest, { recursive: true });
  const [a, b] = ["127.0.0.2", "127.0.0.3"];
  writeKey(dir, "csync2.key", "bench-csync2-key");
  writeFileSync(join(dir, "csync2_bench.cfg"), [
    "nossl * *;",
    `prefix data { on ${a}: ${source}; on ${b}: ${dest}; }`,
    "group g {", `  host ${a} ${b};`, "  key csync2.key;", "  include %data%;", "}", "",
  ].join("\n"));
  for (const n of ["dba", "dbb"]) mkdirSync(join(dir, n));
  const port = await freePort();
  const env = { ...process.env, CSYNC2_SYSTEM_DIR: dir };
  const daemon: ChildProcess = spawn("csync2", ["-ii", "-N", b, "-C", "bench", "-D", join(dir, "dbb"), "-p", String(port)], { env, cwd: dir, stdio: "ignore" });
  await waitPort(b, port);
  const meter = new Meter();
  // csync2's client connects to <peer address>:<-p port>: the proxy listens on the peer's address.
  const p = await proxy(b, { host: b, port, from: a }, meter);
  let serverHwm = 0;
  return {
    name: "csync2",
    source,
    dests: [dest],
    async sync() {
      meter.reset();
      const sampler = setInterval(() => (serverHwm = Math.max(serverHwm, ...childPids(daemon.pid!).map(hwmKiB))), 100);
      const t = await timed("csync2", ["-x", "-r", "-N", a, "-C", "bench", "-D", join(dir, "dba"), "-p", String(p.port)], { CSYNC2_SYSTEM_DIR: dir }, dir);
      clearInterval(sampler);
      return { seconds: t.seconds, wire: meter.total, rssKiB: t.rssKiB, serverRssKiB: serverHwm, cpu: t.cpu, serverCpu: NaN };
    },
    async stop() {
      daemon.kill("SIGTERM");
      p.server.close();
    },
  };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function waitPort(host: string, port: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect({ host, port }, () => (s.destroy(), res(true)));
      s.on("error", () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- the trees ------------------------------------------------------------------------------

function makeSmallFiles(root: string, seed: number): void {
  for (let d = 0; d < DIRS; d++) mkdirSync(join(root, `dir${d}`), { recursive: true });
  const block = Buffer.alloc(1024);
  for (let i = 0; i < FILES; i++) {
    for (let j = 0; j < 1024; j += 4) block.writeUInt32LE((i * 2654435761 + j * 40503 + seed) >>> 0, j);
    writeFileSync(join(root, `dir${i % DIRS}`, `f${i}`), block);
  }
}

function changeFiles(root: string, n: number, round: number): void {
  for (let k = 0; k < n; k++) {
    const i = Math.floor((k * FILES) / n) + (round % 7);
    appendFileSync(join(root, `dir${i % DIRS}`, `f${i}`), `changed ${round}\n`);
  }
}

function makeBig(file: string): void {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(1 << 20);
  let x = 12345;
  for (let off = 0; off < BIG; off += chunk.length) {
    for (let j = 0; j < chunk.length; j += 4) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      chunk.writeUInt32LE(x, j);
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
}

function editBig(file: string, round: number): void {
  const fd = openSync(file, "r+");
  for (let k = 0; k < 100; k++) {
    const at = Math.floor(((k + 0.37) * BIG) / 100) + round * 4096;
    writeSync(fd, Buffer.alloc(100, 0x41 + ((k + round) % 26)), 0, 100, at);
  }
  closeSync(fd);
}

// ---- the run --------------------------------------------------------------------------------

/**
 * Runs a timed step once every tool's daemons are quiet (cpuQuiet), on a clean page cache:
 * sync(1), untimed, first writes back what is still
 * dirty (the tree this benchmark just generated, the previous tool's unsynced files). A tool
 * that makes its writes durable (peersync's syncfs and fsyncs, csync2's SQLite) otherwise paid
 * for writing back up to 40 MiB that was not its own, and the first tool of a run most: measured
 * 2.2 s of peersync's (a) waiting in its first syncfs for the freshly generated source tree.
 */
async function settled<T>(tools: readonly Tool[], step: () => Promise<T>, creates?: string): Promise<T> {
  for (const t of tools) await t.quiet?.();
  spawnSync("sync");
  // A step that creates the whole tree waits out the allocator's slow spell after deletes
  // (quiet-fs.ts), so that each tool's (a) measures the tool, whatever ran before it.
  if (creates !== undefined) await waitForQuietFilesystem(creates, { log: (line) => console.error(line) });
  return step();
}

type Scenario = "a" | "b" | "c" | "d" | "e";
const results = new Map<string, Step[]>(); // `${tool}/${scenario}` → runs

/** Warns (loudly, in the figures) when a tool left a destination different from the source. */
function verify(t: Tool): void {
  for (const d of t.dests) {
    const r = spawnSync("diff", ["-rq", "--no-dereference", t.source, d], { encoding: "utf8" });
    if (r.status !== 0) {
      const lines = r.stdout.split("\n").filter(Boolean);
      console.error(`  WARNING ${t.name}: ${d} differs from the source (${lines.length} lines): ${lines.slice(0, 3).join("; ")}`);
      mismatches.push(`${t.name}: ${lines.length} differences`);
    }
  }
}
const mismatches: string[] = [];

function record(tool: string, sc: Scenario, s: Step): void {
  if (!SCENARIOS.includes(sc)) return;
  const k = `${tool}/${sc}`;
  results.set(k, [...(results.get(k) ?? []), s]);
  console.error(`  ${k}: ${s.seconds.toFixed(3)} s, ${fmtBytes(s.wire)} on the wire, client ${(s.rssKiB / 1024).toFixed(0)} MiB, server ${(s.serverRssKiB / 1024).toFixed(0)} MiB; CPU client ${s.cpu.toFixed(2)} s${Number.isNaN(s.serverCpu) ? "" : `, daemons ${s.serverCpu.toFixed(2)} s${s.serverSys === undefined ? "" : ` (system ${s.serverSys.toFixed(2)} s)`}`}`);
}

/**
 * Every run's trees stay until the whole benchmark is over. Deleting ~50,000 files (one run's
 * trees) makes ext4 create files several times slower for the next half minute or so (measured
 * here: 10-15 µs per create in a quiet file system, 120-350 µs for 40 s after a mass delete;
 * the allocator passes over recently deleted inodes), and the next run's first tool paid for
 * it: rsync's (a) took 0.67 s in a first run and 1.87 s in the run after a delete.
 */
const runDirs: string[] = [];

/** Run k starts with tool k (mod the number of tools): no tool always goes first. */
function toolOrder(run: number): string[] {
  const k = run % ONLY.length;
  return [...ONLY.slice(k), ...ONLY.slice(0, k)];
}

async function oneRun(run: number): Promise<void> {
  const base = tempDir(`bench-sync-${run}`);
  runDirs.push(base);
  const source = join(base, "source");
  makeSmallFiles(source, run);
  // csync2 -x makes and removes temp files beside each file it sends, in the tree it sends from
  // (seen with strace: .f7.DJicq6 made and unlinked in source/dir7), which moves those
  // directories' times. On a shared source, the tool measured after it saw directories
  // changed in a step where nothing changed. So csync2 sends from its own copy, made and
  // changed the same way (the same seeds); rsync and peersync only read theirs.
  const sources = [source];
  const tools: Tool[] = [];
  for (const name of FANOUT_ONLY ? [] : toolOrder(run)) {
    const dir = join(base, name);
    mkdirSync(dir);
    if (name === "csync2") sources.push(join(dir, "source")), makeSmallFiles(join(dir, "source"), run);
    tools.push(name === "peersync" ? await peersyncTool(dir, source, 1) : name === "rsync" ? await rsyncTool(dir, source) : await csync2Tool(dir, join(dir, "source")));
  }
  try {
    // A step runs when its scenario or a later one (e aside) is asked for.
    const still = (sc: Scenario): boolean => SCENARIOS.some((s) => s !== "e" && s >= sc);
    if (still("a")) for (const t of tools) record(t.name, "a", await settled(tools, () => t.sync(), base)), verify(t);
    if ((SCENARIOS.includes("a") || FANOUT) && ONLY.includes("peersync")) await floorSteps(tools, base, source);
    if (still("b")) for (const t of tools) record(t.name, "b", await settled(tools, () => t.sync())), verify(t);
    // The same no-change state, checked alone: (b) minus this is what the sync adds to the check.
    if (SCENARIOS.includes("b")) for (const t of tools) if (t.check) record(`${t.name} check`, "b", await settled(tools, () => t.check!()));
    if (still("c")) for (const s of sources) changeFiles(s, 100, run);
    if (still("c")) for (const t of tools) record(t.name, "c", await settled(tools, () => t.sync())), verify(t);
    if (still("d")) {
      if (!FANOUT_ONLY) for (const s of sources) makeBig(join(s, "big.bin"));
      for (const t of tools) await t.sync();
      if (!FANOUT_ONLY) for (const s of sources) editBig(join(s, "big.bin"), run);
      for (const t of tools) record(t.name, "d", await settled(tools, () => t.sync())), verify(t);
    }
  } finally {
    for (const t of tools) await t.stop();
  }
  if (ONLY.includes("peersync") && FANOUT) {
    rmSync(join(source, "big.bin"), { force: true });
    for (const peers of [4, 1]) {
      const dir = join(base, `fanout-${peers}`);
      mkdirSync(dir);
      const fan = await peersyncTool(dir, source, peers);
      try {
        // A fresh sender state: the source tree is new to it, so this is scenario (a) again.
        record(`peersync→${peers}`, "e", await settled([fan], () => fan.sync(), base));
        verify(fan);
      } finally {
        await fan.stop();
      }
    }
  }
}

const DURABLE_FLOOR = fileURLToPath(new URL("./durable-floor.js", import.meta.url));

/**
 * (a)'s tree written by peersync's receive calls alone (bench/durable-floor.ts), with the syncs
 * non-negotiable 3 asks for and without them: what no design that keeps the rule gets under,
 * measured beside the tools in the same run.
 */
async function floorSteps(tools: readonly Tool[], base: string, source: string): Promise<void> {
  for (const [name, flags] of [["floor", []], ["floor unsynced", ["--no-sync"]]] as const) {
    const dest = join(base, name.replace(" ", "-"));
    const t = await settled(tools, () => timed(process.execPath, [DURABLE_FLOOR, source, dest, ...flags]), base);
    const [, seconds, cpu] = (/FLOOR ([\d.]+) ([\d.]+)/.exec(t.stdout) ?? []).map(Number);
    if (seconds === undefined || cpu === undefined) throw new Error(`durable-floor printed no figure:\n${t.stdout}`);
    results.set(`${name}/a`, [...(results.get(`${name}/a`) ?? []), { seconds, wire: 0, rssKiB: t.rssKiB, serverRssKiB: 0, cpu, serverCpu: NaN }]);
    console.error(`  ${name}/a: ${seconds.toFixed(3)} s, ${cpu.toFixed(2)} CPU-s (the writes alone: not the read of the source, not Node's start)`);
    verify({ name, source, dests: [dest], sync: () => Promise.reject(new Error("not a tool")), stop: () => Promise.resolve() });
  }
}

/** The 1/5/15-minute load averages: figures from a shared machine mean little without them. */
function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(", ");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

function med(tool: string, sc: Scenario): Step | undefined {
  const runs = results.get(`${tool}/${sc}`);
  if (!runs) return undefined;
  return { seconds: median(runs.map((r) => r.seconds)), wire: median(runs.map((r) => r.wire)), rssKiB: median(runs.map((r) => r.rssKiB)), serverRssKiB: median(runs.map((r) => r.serverRssKiB)), cpu: median(runs.map((r) => r.cpu)), serverCpu: median(runs.map((r) => r.serverCpu)) };
}

function ratio(what: string, num: number | undefined, den: number | undefined, target: number): string {
  if (num === undefined || den === undefined || den === 0) return `  ${what}: n/a`;
  const r = num / den;
  return `  ${what}: ${r.toFixed(3)}× (target ≤ ${target}×) ${r <= target ? "MET" : "MISSED"}`;
}

/**
 * bin/peersync runs the modules of dist/src instead of the bundle when the bundle is older than
 * them (a `tsc` without `node scripts/bundle.mjs`): every start then resolves ~60 ES modules
 * without a code cache, ~0.1 s more per client. Figures from such a build are not peersync's.
 */
function refuseStaleBundle(): void {
  const dist = join(dirname(PEERSYNC_BIN), "..", "dist", "src");
  const bundle = statSync(join(dist, "bundle", "peersync.cjs"), { throwIfNoEntry: false });
  const main = statSync(join(dist, "cli", "main.js"), { throwIfNoEntry: false });
  if (bundle === undefined || main === undefined || bundle.mtimeMs < main.mtimeMs) {
    throw new Error("bench-sync: dist/src/bundle/peersync.cjs is missing or older than dist/src/cli/main.js, so peersync would run unbundled; run `make build` (or `node scripts/bundle.mjs`) first");
  }
}

async function main(): Promise<void> {
  refuseStaleBundle();
  console.log(`bench-sync: ${FILES} × 1 KiB files in ${DIRS} dirs, ${BIG >> 20} MiB big file, ${RUNS} run(s), medians; tools: ${ONLY.join(", ")}`);
  if (CA_FILE_UNSET) console.log(CA_FILE_UNSET);
  try {
    for (let run = 0; run < RUNS; run++) {
      console.error(`run ${run + 1}/${RUNS}, tools in the order ${toolOrder(run).join(", ")} (load average ${load()})`);
      await oneRun(run);
      console.error(`  end of run ${run + 1} (load average ${load()})`);
    }
  } finally {
    if (KEEP) console.error(`trees kept: ${runDirs.join(" ")}`);
    else for (const dir of runDirs) rmSync(dir, { recursive: true, force: true });
  }
  const names: Record<Scenario, string> = { a: "(a) initial", b: "(b) no change", c: "(c) 100 changed", d: "(d) 100 edits in big file", e: "(e) fan-out" };
  console.log("\nscenario                    tool          time s   wire          client RSS  server RSS  CPU client  CPU daemons");
  for (const sc of ["a", "b", "c", "d", "e"] as Scenario[]) {
    for (const tool of [...ONLY, "peersync check", "peersync→4", "peersync→1"]) {
      const m = med(tool, sc);
      if (!m) continue;
      console.log(`${names[sc].padEnd(28)}${tool.padEnd(14)}${m.seconds.toFixed(3).padStart(7)}   ${fmtBytes(m.wire).padEnd(14)}${`${(m.rssKiB / 1024).toFixed(0)} MiB`.padStart(9)}  ${`${(m.serverRssKiB / 1024).toFixed(0)} MiB`.padStart(9)}  ${`${m.cpu.toFixed(2)} s`.padStart(10)}  ${Number.isNaN(m.serverCpu) ? "" : `${m.serverCpu.toFixed(2)} s`.padStart(10)}`);
    }
  }
  const t = (tool: string, sc: Scenario): number | undefined => med(tool, sc)?.seconds;
  const w = (tool: string, sc: Scenario): number | undefined => med(tool, sc)?.wire;
  console.log("\nratios (peersync / other, medians):");
  console.log(ratio("(a) time vs csync2", t("peersync", "a"), t("csync2", "a"), 0.1));
  console.log(ratio("(a) time vs rsync daemon", t("peersync", "a"), t("rsync", "a"), 1.0));
  console.log(ratio("(b) time vs csync2", t("peersync", "b"), t("csync2", "b"), 1.0));
  console.log(ratio("(c) time vs csync2", t("peersync", "c"), t("csync2", "c"), 0.5));
  console.log(ratio("(d) time vs csync2", t("peersync", "d"), t("csync2", "d"), 0.5));
  console.log(ratio("(d) wire bytes vs rsync", w("peersync", "d"), w("rsync", "d"), 1.2));
  console.log(ratio("(e) 1→4 peers time vs 1→1", t("peersync→4", "e"), t("peersync→1", "e"), 2.0));
  const fan = med("peersync→4", "e");
  const one = t("peersync→1", "e");
  if (fan && one) {
    // All five processes share this machine's cores, where a cluster gives each peer its own:
    // the CPU they use, spread perfectly over the cores, bounds the time from below.
    const floor = (fan.cpu + fan.serverCpu) / availableParallelism();
    console.log(`  (e) CPU floor (info): 1→4 used ${(fan.cpu + fan.serverCpu).toFixed(2)} s of CPU on ${availableParallelism()} cores here, so it takes ≥ ${floor.toFixed(2)} s = ${(floor / one).toFixed(3)}× of 1→1`);
    const writes = med("floor", "a")?.cpu;
    if (writes !== undefined) console.log(`  (e) durable writes alone (info): four receivers writing (a)'s tree as bench/durable-floor does take ${(4 * writes).toFixed(2)} CPU-s, ≥ ${((4 * writes) / availableParallelism()).toFixed(2)} s on ${availableParallelism()} cores = ${((4 * writes) / availableParallelism() / one).toFixed(3)}× of 1→1`);
  }
  const floor = t("floor", "a");
  if (floor !== undefined) {
    const rsync = t("rsync", "a");
    const unsynced = t("floor unsynced", "a");
    console.log(`  (a) durable-write floor (info): peersync's receive calls alone (temp files, syncfs, renames, directory fsyncs; no network, hashing, index or decisions) take ${floor.toFixed(3)} s${rsync ? ` = ${(floor / rsync).toFixed(3)}× rsync's whole (a)` : ""}, ${unsynced === undefined ? "" : `${unsynced.toFixed(3)} s without the syncs`}`);
  }
  console.log(ratio("(a) wire bytes vs rsync (info)", w("peersync", "a"), w("rsync", "a"), Infinity));
  console.log(ratio("(a) wire bytes vs csync2 (info)", w("peersync", "a"), w("csync2", "a"), Infinity));
  console.log(`load average at the end: ${load()}`);
  console.log(mismatches.length ? `\nDESTINATIONS DIFFERED FROM THE SOURCE: ${mismatches.join("; ")}` : "\nevery destination matched the source after every step (diff -rq --no-dereference)");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
