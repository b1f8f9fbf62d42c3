// `make bench-latency`: continuous mode (issue 9) against Debian's lsyncd, in the same run.
//
//   node dist/bench/latency.js [--quick] [--verbose] [--writes N] [--idle-seconds S] [--dirs N] [--only peersync,peersync0,lsyncd0,lsyncd]
//
// 1. Latency, write → visible on the peer: N single-file writes (default 500; --quick 100) at
//    random intervals (uniform 10–190 ms, seeded: every tool gets the same schedule) into the
//    source root, one-way to a receiving node on loopback:
//    - peersync: two `peersync daemon`s (source and a receive-only `(dst)`), default settings
//      (`watch yes`, `debounce 200ms`);
//    - peersync0: the same with `debounce 0ms`, the setting that matches lsyncd's `delay = 0`;
//    - lsyncd0: lsyncd `default.rsync` with `delay = 0`, to a local `rsync --daemon` on 127.0.0.1;
//    - lsyncd: the same with lsyncd's default settings (`delay` 15 s).
//    A file is "visible" when it exists on the destination with its full size (fs.watch on the
//    destination directory, plus a 20 ms poll as a safety net). p50/p95/p99 per tool, ratios.
// 2. Time to start watching D directories (default 100 000; --quick 20 000): a daemon (a
//    receive-only node, as a web node is) over a tree of D empty directories (100 × D/100).
//    The figure the target applies to is the daemon's own: from the start of its subscription
//    (@parcel/watcher crawling the tree and adding an inotify watch per directory) to every
//    directory being watched, wall and CPU time, as its "watching" log line reports them.
//    Alongside: from spawn to that line (node start-up, identity, index, listening), and the
//    daemon's CPU time by then; and from spawn to the end of its initial full check.
// 3. Idle CPU of that daemon once its start-up work is over (initial check, then the sweep of
//    leftover temp files), over --idle-seconds (default 60;
//    --quick 15), from utime+stime in /proc/PID/stat; and of the latency source daemon.
// Targets: p50 <= 300 ms, p99 <= 1 s, each below lsyncd0's; watching 100k dirs <= 10 s (from
// the start of the subscription); idle CPU < 1 %. The machine's load average is printed with every figure.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { freePort, startDaemon, tempDir, writeKey, type DaemonProcess } from "../test/helpers/daemon.js";

const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const opt = (name: string, dflt: number): number => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt);
const WRITES = opt("--writes", QUICK ? 100 : 500);
const IDLE_SECONDS = opt("--idle-seconds", QUICK ? 15 : 60);
const DIRS = opt("--dirs", QUICK ? 20_000 : 100_000);
const ONLY = argv.includes("--only") ? argv[argv.indexOf("--only") + 1]!.split(",") : ["peersync", "peersync0", "lsyncd0", "lsyncd"];
const VERBOSE = argv.includes("--verbose");
const FILE_BYTES = 1024;
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const load = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** mulberry32: the same schedule for every tool. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Stats { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number; readonly missed: number }

/**
 * Writes WRITES files into `src` on the seeded schedule; resolves with the latency of each
 * (ms from the write to the full file on `dst`). Files not seen within `waitMs` after the last
 * write count as missed.
 */
async function measure(src: string, dst: string, waitMs: number): Promise<Stats> {
  const random = prng(20261205);
  const written = new Map<string, number>();
  const seen = new Map<string, number>();
  const look = (name: string): void => {
    if (!written.has(name) || seen.has(name)) return;
    try {
      if (statSync(join(dst, name)).size === FILE_BYTES) seen.set(name, performance.now() - written.get(name)!);
    } catch {
      // not there yet
    }
  };
  const watcher = watch(dst, (_type, name) => name && look(name));
  const poll = setInterval(() => written.forEach((_t, name) => look(name)), 20);
  try {
    for (let i = 0; i < WRITES; i++) {
      const name = `w-${String(i).padStart(4, "0")}.dat`;
      const body = Buffer.alloc(FILE_BYTES, 97 + (i % 26));
      written.set(name, performance.now());
      writeFileSync(join(src, name), body);
      await sleep(10 + Math.floor(random() * 180));
    }
    const end = Date.now() + waitMs;
    while (seen.size < written.size && Date.now() < end) await sleep(50);
  } finally {
    watcher.close();
    clearInterval(poll);
  }
  const sorted = [...seen.values()].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, missed: written.size - seen.size };
}

/** Two peersync daemons on loopback: src (writable) → dst (receive-only), default continuous mode. */
async function peersyncPair(dir: string, debounceMs: number | undefined): Promise<{ src: string; dst: string; daemons: DaemonProcess[] }> {
  const src = join(dir, "src");
  const dst = join(dir, "dst");
  mkdirSync(src, { recursive: true });
  mkdirSync(dst, { recursive: true });
  const [p1, p2] = [await freePort(), await freePort()];
  const cfg = join(dir, "peersync.cfg");
  writeFileSync(cfg, [
    `prefix data { on src: ${src}; on dst: ${dst}; }`,
    "group g {",
    `  host src@127.0.0.1:${p1} (dst@127.0.0.1:${p2});`,
    `  key ${writeKey(dir, "g.key")};`,
    "  include %data%;",
    ...(debounceMs === undefined ? [] : [`  debounce ${debounceMs}ms;`]),
    "}",
    "",
  ].join("\n"));
  const daemons: DaemonProcess[] = [];
  for (const name of ["dst", "src"]) {
    const d = await startDaemon({ name, configFile: cfg, stateDir: join(dir, `${name}-state`), readyTimeoutMs: 60_000 });
    daemons.push(d);
    await d.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 60_000);
  }
  return { src, dst, daemons };
}

function waitPort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + 10_000;
    const attempt = (): void => {
      const s = createConnection({ host: "127.0.0.1", port }, () => (s.end(), resolve()));
      s.on("error", () => (Date.now() > end ? reject(new Error(`port ${port} not open`)) : setTimeout(attempt, 50)));
    };
    attempt();
  });
}

/** lsyncd default.rsync from src to a local rsync daemon's module; `delay` undefined: lsyncd's default. */
async function lsyncdPair(dir: string, delay: number | undefined): Promise<{ src: string; dst: string; procs: ChildProcess[] }> {
  const src = join(dir, "src");
  const dst = join(dir, "dst");
  mkdirSync(src, { recursive: true });
  mkdirSync(dst, { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, "rsyncd.conf"), [
    "use chroot = no", "uid = root", "gid = root", `pid file = ${join(dir, "rsyncd.pid")}`, `log file = ${join(dir, "rsyncd.log")}`,
    "[dst]", `  path = ${dst}`, "  read only = no", "",
  ].join("\n"));
  const rsyncd = spawn("rsync", ["--daemon", "--no-detach", `--config=${join(dir, "rsyncd.conf")}`, `--port=${port}`, "--address=127.0.0.1"], { stdio: "ignore" });
  await waitPort(port);
  writeFileSync(join(src, "ready.marker"), "x");
  writeFileSync(join(dir, "lsyncd.lua"), [
    "settings {", `  logfile = "${join(dir, "lsyncd.log")}",`, `  statusFile = "${join(dir, "lsyncd.status")}",`, "  nodaemon = true,", "}",
    "sync {", "  default.rsync,", `  source = "${src}",`, `  target = "rsync://127.0.0.1:${port}/dst/",`,
    ...(delay === undefined ? [] : [`  delay = ${delay},`]), "}", "",
  ].join("\n"));
  const lsyncd = spawn("lsyncd", ["-nodaemon", join(dir, "lsyncd.lua")], { stdio: "ignore" });
  // Its start-up rsync of the whole source is done once the marker is across.
  const end = Date.now() + 60_000;
  while (!existsSync(join(dst, "ready.marker"))) {
    if (Date.now() > end || lsyncd.exitCode !== null) throw new Error(`lsyncd did not start: ${readFileSync(join(dir, "lsyncd.log"), "utf8").slice(-2000)}`);
    await sleep(50);
  }
  return { src, dst, procs: [lsyncd, rsyncd] };
}

async function stopChild(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  await Promise.race([exited, sleep(5_000).then(() => p.kill("SIGKILL"))]);
}

/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
}

async function idleCpu(pids: readonly number[], seconds: number): Promise<number[]> {
  const before = pids.map(cpuSeconds);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  return pids.map((pid, i) => (100 * (cpuSeconds(pid) - before[i]!)) / wall);
}

function row(name: string, s: Stats): string {
  const f = (n: number) => (Number.isNaN(n) ? "-" : `${Math.round(n)}`.padStart(6));
  return `${name.padEnd(34)} p50 ${f(s.p50)} ms  p95 ${f(s.p95)} ms  p99 ${f(s.p99)} ms  max ${f(s.max)} ms  missed ${s.missed}`;
}

async function main(): Promise<void> {
  const missing = ["lsyncd", "rsync"].filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
  if (missing.length > 0 && ONLY.some((o) => o.startsWith("lsyncd"))) throw new Error(`missing ${missing.join(", ")}: run scripts/setup.sh test (apt-get install lsyncd rsync)`);
  const root = tempDir("bench-latency");
  const results = new Map<string, Stats>();
  const lines: string[] = [];
  const say = (line: string) => (lines.push(line), process.stdout.write(`${line}\n`));
  say(`bench-latency: ${WRITES} single-file writes of ${FILE_BYTES} B at random 10–190 ms intervals, one-way on loopback (load ${load()})`);
  try {
    let srcDaemon: DaemonProcess | undefined;
    const stopLater: (() => Promise<unknown>)[] = [];
    for (const [name, debounce, label] of [["peersync", undefined, "peersync (default: debounce 200 ms)"], ["peersync0", 0, "peersync debounce 0"]] as const) {
      if (!ONLY.includes(name)) continue;
      const pair = await peersyncPair(join(root, name), debounce);
      const s = await measure(pair.src, pair.dst, 30_000);
      results.set(name, s);
      say(`${row(label, s)}  load ${load()}`);
      // What slowed it down, if anything: the daemons' warnings and errors, counted by message.
      const trouble = new Map<string, number>();
      for (const d of pair.daemons) {
        for (const r of d.logs) {
          if (r.level !== "warn" && r.level !== "error" && !(typeof r.level === "number" && r.level >= 40)) continue;
          const key = `${d.name}: ${String(r.msg ?? r.raw).replace(/w-\d+\.dat/g, "w-N.dat").replace(/\d+ ms|\d+ s\b/g, "N").slice(0, 140)}`;
          trouble.set(key, (trouble.get(key) ?? 0) + 1);
        }
      }
      if (VERBOSE || trouble.size > 0) for (const [k, n] of trouble) say(`    ${n}× ${k}`);
      if (name === "peersync") {
        srcDaemon = pair.daemons[1];
        stopLater.push(...pair.daemons.map((d) => () => d.stop()));
      } else {
        for (const d of pair.daemons) await d.stop();
      }
    }
    for (const [name, delay, label] of [["lsyncd0", 0, "lsyncd rsync delay=0"], ["lsyncd", undefined, "lsyncd rsync default (delay 15 s)"]] as const) {
      if (!ONLY.includes(name)) continue;
      const pair = await lsyncdPair(join(root, name), delay);
      try {
        const s = await measure(pair.src, pair.dst, 40_000);
        results.set(name, s);
        say(`${row(label, s)}  load ${load()}`);
      } finally {
        for (const p of pair.procs) await stopChild(p);
      }
    }
    const ours = results.get("peersync");
    for (const [mine, other] of [["peersync", "lsyncd0"], ["peersync", "lsyncd"], ["peersync0", "lsyncd0"]] as const) {
      const a = results.get(mine);
      const b = results.get(other);
      if (!a || !b) continue;
      const r = (k: "p50" | "p95" | "p99") => (a[k] / b[k]).toFixed(2);
      say(`ratio ${mine} / ${other}: p50 ${r("p50")}  p95 ${r("p95")}  p99 ${r("p99")}  (< 1: peersync faster)`);
    }
    if (ours) {
      const lsyncd0 = results.get("lsyncd0");
      say(`targets: p50 ${Math.round(ours.p50)} <= 300 ms ${ours.p50 <= 300 ? "ok" : "MISSED"}; p99 ${Math.round(ours.p99)} <= 1000 ms ${ours.p99 <= 1000 ? "ok" : "MISSED"}` +
        (lsyncd0 ? `; below lsyncd delay=0: p50 ${ours.p50 < lsyncd0.p50 ? "ok" : "MISSED"}, p99 ${ours.p99 < lsyncd0.p99 ? "ok" : "MISSED"}` : ""));
    }

    // Start watching DIRS directories.
    const treeDir = join(root, "dirs");
    const tree = join(treeDir, "tree");
    const t0 = performance.now();
    for (let a = 0; a < 100; a++) for (let b = 0; b < DIRS / 100; b++) mkdirSync(join(tree, `a${a}`, `b${b}`), { recursive: true });
    say(`made ${DIRS} directories in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const port = await freePort();
    const cfg = join(treeDir, "peersync.cfg");
    writeFileSync(cfg, [`group big {`, `  host (big@127.0.0.1:${port}) other@127.0.0.1:1;`, `  key ${writeKey(treeDir, "big.key")};`, `  include ${tree};`, "}", ""].join("\n"));
    const started = performance.now();
    const big = await startDaemon({ name: "big", configFile: cfg, stateDir: join(treeDir, "state"), readyTimeoutMs: 120_000 });
    const watching = await big.waitForLog((r) => r.msg === "watching", 300_000);
    const toWatching = (performance.now() - started) / 1000;
    // CPU time so far (start-up + subscribing): what the wall time would be on an idle core.
    const cpuToWatching = cpuSeconds(big.pid);
    const subscribeS = Number(watching.ms) / 1000;
    say(`watching ${DIRS} directories, start of subscription → all watched: ${subscribeS.toFixed(1)} s wall, ` +
      `${(Number(watching.cpuMs) / 1000).toFixed(1)} s CPU  target <= 10 s ${subscribeS <= 10 ? "ok" : "MISSED"}  load ${load()}`);
    say(`  alongside: spawn → all watched ${toWatching.toFixed(1)} s wall (daemon CPU by then ${cpuToWatching.toFixed(1)} s)`);
    stopLater.push(() => big.stop());
    await big.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 600_000);
    say(`  alongside: spawn → initial full check done ${((performance.now() - started) / 1000).toFixed(1)} s wall ` +
      `(daemon CPU by then ${cpuSeconds(big.pid).toFixed(1)} s)  load ${load()}`);
    // The last of its start-up work: the sweep of leftover temp files, after the initial check.
    await big.waitForLog((r) => r.msg === "temp sweep done", 600_000);
    say(`  alongside: spawn → temp sweep done (start-up over) ${((performance.now() - started) / 1000).toFixed(1)} s wall ` +
      `(daemon CPU by then ${cpuSeconds(big.pid).toFixed(1)} s)`);
    await sleep(1_000);
    const pids = [big.pid, ...(srcDaemon ? [srcDaemon.pid] : [])];
    const cpu = await idleCpu(pids, IDLE_SECONDS);
    say(`idle CPU over ${IDLE_SECONDS} s: ${cpu[0]!.toFixed(2)} % (daemon watching ${DIRS} dirs)` +
      (srcDaemon ? `, ${cpu[1]!.toFixed(2)} % (latency source daemon)` : "") + `  target < 1 % ${cpu.every((c) => c < 1) ? "ok" : "MISSED"}  load ${load()}`);
    for (const stop of stopLater) await stop();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/latency: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
