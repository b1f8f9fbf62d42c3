// `make bench-check`: peersync check against Debian's csync2 -cr and rsync -a --delete -n on
// generated trees (100k × 512 B in 1k dirs; 1M × 64 B in 10k dirs), plus the cost of a hint:
// --hint-calls real `peersync --json hint PATH` processes in a loop, as an application makes
// them, alone and while another process holds the index open (as a daemon does). The index
// time the target applies to is the record itself (the spool append: open, write, close and
// the rotation check), timed inside each process by the hint command (`recordMs`); printed
// alongside: the command from its entry, config read included (`commandMs`), each process's
// wall and CPU time (node start-up and module loading included), `node -e 0` for scale, and
// the same with --fsync (the append also flushed to disk).
// Every figure is the median of --runs runs (default 3) of a real process under GNU time
// (`/usr/bin/time -f '%e %M'`: wall seconds, peak RSS in KB). rsync runs right after
// peersync's no-change check in each round, and the median of those back-to-back ratios is
// printed too (on a shared machine the load moves between rounds).
//
//   node dist/bench/check.js [--sizes 100k,1m] [--runs 3] [--dir DIR] [--external-1m]
//                            [--hint-calls 1000] [--hint-fsync-calls 200] [--no-hint] [--json]
//
// Trees are kept in DIR (default /var/tmp/peersync-bench-check) and reused when their spec
// matches. At 1M files only peersync runs unless --external-1m (csync2 needs minutes there);
// the targets at 1M are peersync's own (RSS, index size).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openIndex } from "../src/index/database.js";
import { TEST_KEY } from "../src/index/testing.js";

const BIN = resolve(fileURLToPath(new URL("../../bin/peersync", import.meta.url)));

interface Size { readonly label: string; readonly files: number; readonly dirs: number; readonly bytes: number }
const SIZES: Record<string, Size> = {
  "100k": { label: "100k", files: 100_000, dirs: 1_000, bytes: 512 },
  "1m": { label: "1M", files: 1_000_000, dirs: 10_000, bytes: 64 },
};

interface Args { sizes: Size[]; runs: number; dir: string; external1m: boolean; json: boolean; hintCalls: number; hintFsyncCalls: number }

const USAGE = `usage: node dist/bench/check.js [options]
  --sizes LIST      tree sizes to run: 100k, 1m, or none (default 100k,1m)
  --runs N          rounds per size; figures are medians (default 3)
  --dir DIR         where trees and state live (default /var/tmp/peersync-bench-check)
  --external-1m     also run csync2 and rsync at 1M files (minutes)
  --hint-calls N    \`peersync hint\` processes in a loop, alone and with a daemon (default 1000; 0 skips)
  --hint-fsync-calls N
                    the same with \`hint --fsync\`, alone (default 200; 0 skips)
  --no-hint         skip the hint figures
  --json            also print every figure as one JSON line
`;

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { sizes: [SIZES["100k"]!, SIZES["1m"]!], runs: 3, dir: "/var/tmp/peersync-bench-check", external1m: false, json: false, hintCalls: 1000, hintFsyncCalls: 200 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => argv[++i] ?? fail(`${a} needs a value`);
    if (a === "--sizes") {
      const list = value();
      args.sizes = list === "none" ? [] : list.split(",").map((s) => SIZES[s.toLowerCase()] ?? fail(`unknown size ${s} (100k, 1m, none)`));
    }
    else if (a === "--runs") args.runs = Number(value());
    else if (a === "--dir") args.dir = resolve(value());
    else if (a === "--external-1m") args.external1m = true;
    else if (a === "--json") args.json = true;
    else if (a === "--hint-calls") args.hintCalls = Number(value());
    else if (a === "--hint-fsync-calls") args.hintFsyncCalls = Number(value());
    else if (a === "--no-hint") args.hintCalls = 0;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    else fail(`unknown option ${a}`);
  }
  return args;
}

function fail(message: string): never {
  process.stderr.write(`bench/check: ${message}\n`);
  process.exit(1);
}

interface Measure { readonly seconds: number; readonly rssKb: number }

/** Runs argv under GNU time; returns wall seconds and peak RSS. */
function timed(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", ...argv], { encoding: "utf8", env, maxBuffer: 1 << 28 });
  const last = r.stderr.trim().split("\n").at(-1) ?? "";
  const m = /^([\d.]+) (\d+)$/.exec(last);
  if (m === null) fail(`cannot time ${argv.join(" ")}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), rssKb: Number(m[2]) };
}

function sh(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed`);
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function medianOf(ms: readonly Measure[]): Measure {
  return { seconds: median(ms.map((m) => m.seconds)), rssKb: median(ms.map((m) => m.rssKb)) };
}

/** Writes the tree once; a marker file records the spec so later runs reuse it. */
function ensureTree(base: string, size: Size, copy: boolean): { a: string; b: string } {
  const dir = join(base, size.label);
  const a = join(dir, "a");
  const b = join(dir, "b");
  const marker = join(dir, "spec.json");
  const spec = JSON.stringify(size);
  if (existsSync(marker) && readFileSync(marker, "utf8") === spec) {
    if (copy && !existsSync(join(dir, "b.done"))) copyTree(dir, a, b);
    return { a, b };
  }
  rmSync(dir, { recursive: true, force: true });
  log(`generating ${size.files} files × ${size.bytes} B in ${size.dirs} directories under ${a} ...`);
  const perDir = size.files / size.dirs;
  const content = Buffer.alloc(size.bytes, 0x61);
  for (let d = 0; d < size.dirs; d++) {
    const sub = join(a, `d${String(d).padStart(5, "0")}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < perDir; f++) writeFileSync(join(sub, `f${String(f).padStart(4, "0")}.dat`), content);
  }
  writeFileSync(marker, spec);
  if (copy) copyTree(dir, a, b);
  return { a, b };
}

/** The second copy rsync compares against (only when rsync runs at this size). */
function copyTree(dir: string, a: string, b: string): void {
  log(`copying to ${b} for rsync ...`);
  rmSync(b, { recursive: true, force: true });
  sh("cp", ["-a", a, b]);
  writeFileSync(join(dir, "b.done"), "");
}

function writeConfigs(dir: string, root: string): { cfg: string; csync2Dir: string } {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, "bench.key");
  writeFileSync(key, `${TEST_KEY}\n`, { mode: 0o600 });
  const text = `group bench {\n  host a b;\n  key ${key};\n  include ${root};\n}\n`;
  const cfg = join(dir, "peersync.cfg");
  writeFileSync(cfg, text);
  // csync2 reads $CSYNC2_SYSTEM_DIR/csync2_<name>.cfg for -C name.
  writeFileSync(join(dir, "csync2_bench.cfg"), text);
  return { cfg, csync2Dir: dir };
}

/** mtime of 100 files spread over the tree moves (a "touch"). */
function touch100(root: string, size: Size, round: number): void {
  const perDir = size.files / size.dirs;
  const when = new Date(Date.now() - round * 1000);
  for (let i = 0; i < 100; i++) {
    const d = Math.floor((i * size.dirs) / 100);
    utimesSync(join(root, `d${String(d).padStart(5, "0")}`, `f${String(i % perDir).padStart(4, "0")}.dat`), when, when);
  }
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

interface Scenario { first: Measure; nochange: Measure; touched: Measure }
interface Rounds { first: Measure[]; nochange: Measure[]; touched: Measure[] }

const rounds = (): Rounds => ({ first: [], nochange: [], touched: [] });
const medians = (r: Rounds): Scenario => ({ first: medianOf(r.first), nochange: medianOf(r.nochange), touched: medianOf(r.touched) });

/**
 * One round of peersync: a first check into an empty index, a no-change check, 100 touched.
 * `afterNoChange` runs right after the no-change check (rsync's dry run, back to back).
 */
function peersyncRound(size: Size, root: string, state: string, cfg: string, round: number, into: Rounds, afterNoChange: () => void): number {
  const argv = [process.execPath, BIN, "--config", cfg, "-N", "a", "-D", state, "check"];
  rmSync(state, { recursive: true, force: true });
  into.first.push(timed(argv));
  const indexBytes = fileSize(join(state, "index.db")) + fileSize(join(state, "index.db-wal"));
  into.nochange.push(timed(argv));
  afterNoChange();
  touch100(root, size, round);
  into.touched.push(timed(argv));
  log(`  peersync ${size.label} run ${round}: first ${into.first.at(-1)!.seconds}s, no-change ${into.nochange.at(-1)!.seconds}s, touched ${into.touched.at(-1)!.seconds}s`);
  return indexBytes;
}

/** The same round with Debian's csync2 -cr, on its own config and database. */
function csync2Round(size: Size, root: string, db: string, csync2Dir: string, round: number, into: Rounds): void {
  const env = { ...process.env, CSYNC2_SYSTEM_DIR: csync2Dir };
  const argv = ["csync2", "-C", "bench", "-N", "a", "-D", db, "-cr", root];
  rmSync(db, { recursive: true, force: true });
  mkdirSync(db, { recursive: true });
  into.first.push(timed(argv, env));
  into.nochange.push(timed(argv, env));
  touch100(root, size, round + 100);
  into.touched.push(timed(argv, env));
  log(`  csync2 ${size.label} run ${round}: first ${into.first.at(-1)!.seconds}s, no-change ${into.nochange.at(-1)!.seconds}s, touched ${into.touched.at(-1)!.seconds}s`);
}

/** rsync's dry run between two identical copies: it compares every entry and sends nothing. */
function rsyncRound(a: string, b: string, into: Measure[]): void {
  into.push(timed(["rsync", "-a", "--delete", "-n", `${a}/`, `${b}/`]));
}

interface HintFigures { readonly medianMs: number; readonly p95Ms: number; readonly meanMs: number; readonly calls: number }

function figures(times: number[]): HintFigures {
  times.sort((x, y) => x - y);
  const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(times.length * q))]!;
  return { medianMs: at(0.5), p95Ms: at(0.95), meanMs: times.reduce((s, x) => s + x, 0) / times.length, calls: times.length };
}

const DATABASE_JS = fileURLToPath(new URL("../src/index/database.js", import.meta.url));

/** One figure's samples (ms) → median, p95, mean. */
interface HintRun { readonly record: HintFigures; readonly command: HintFigures; readonly wall: HintFigures; readonly cpu: HintFigures }

/**
 * `calls` real `peersync --json hint PATH` processes one after another, as an application
 * makes them. Each reports its own recordMs and commandMs (cli/commands/hint.ts); the wall time
 * of each whole process is timed here and its CPU time (user + system) by GNU time, whose
 * 10 ms resolution is why that figure is a mean. `daemon`: another process holds the index
 * open meanwhile, as a running daemon does.
 */
function benchHint(work: string, cfg: string, calls: number, options: { daemon: boolean; fsync: boolean }): HintRun {
  const state = join(work, options.daemon ? "hint-state-daemon" : options.fsync ? "hint-state-fsync" : "hint-state");
  rmSync(state, { recursive: true, force: true });
  openIndex(state).close();
  const holder = options.daemon
    ? spawnSync("sh", ["-c", `${JSON.stringify(process.execPath)} --input-type=module -e "const { openIndex } = await import(process.argv[1]); globalThis.db = openIndex(process.argv[2]); setInterval(() => {}, 1000);" ${JSON.stringify(DATABASE_JS)} ${JSON.stringify(state)} >/dev/null 2>&1 & echo $!`], { encoding: "utf8" })
    : undefined;
  const holderPid = holder ? Number(holder.stdout.trim()) : undefined;
  try {
    const runs = { record: [] as number[], command: [] as number[], wall: [] as number[], cpu: [] as number[] };
    const argv = [process.execPath, BIN, "--config", cfg, "-N", "a", "-D", state, "--json", "hint", ...(options.fsync ? ["--fsync"] : [])];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      const r = spawnSync("/usr/bin/time", ["-f", "%U %S", ...argv, `/srv/www/upload/file-${i}.jpg`], { encoding: "utf8" });
      runs.wall.push(performance.now() - t);
      if (r.status !== 0) fail(`peersync hint failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { recordMs: number; commandMs: number };
      runs.record.push(out.recordMs);
      runs.command.push(out.commandMs);
      const [user, sys] = (r.stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
      runs.cpu.push(((user ?? NaN) + (sys ?? NaN)) * 1000);
    }
    return { record: figures(runs.record), command: figures(runs.command), wall: figures(runs.wall), cpu: figures(runs.cpu) };
  } finally {
    if (holderPid !== undefined && holderPid > 0) process.kill(holderPid, "SIGTERM");
  }
}

/** Node's own start-up, for scale: `node -e 0`. */
function benchNodeStart(calls: number): HintFigures {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ["-e", "0"]);
    times.push(performance.now() - t);
  }
  return figures(times);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const fmt = (m: Measure): string => `${m.seconds.toFixed(2)} s, ${(m.rssKb / 1024).toFixed(0)} MB`;
const ratio = (x: number, y: number): string => (y > 0 ? (x / y).toFixed(2) : "n/a");

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const results: Record<string, unknown> = {};
  const verdicts: string[] = [];
  const target = (name: string, value: number, limit: number, unit = "×"): void => {
    verdicts.push(`${value <= limit ? "PASS" : "FAIL"}  ${name}: ${value.toFixed(2)}${unit} (target <= ${limit}${unit})`);
  };
  for (const size of args.sizes) {
    const external = size.label === "100k" || args.external1m;
    const { a, b } = ensureTree(args.dir, size, external);
    const work = join(args.dir, `${size.label}-work`);
    const { cfg, csync2Dir } = writeConfigs(work, a);
    if (external) sh("rsync", ["-a", "--delete", `${a}/`, `${b}/`]);
    // Rounds interleave the tools, so a change in machine load hits all of them alike.
    const oursR = rounds();
    const csync2R = rounds();
    const rsyncR: Measure[] = [];
    const backToBack: number[] = [];
    let indexBytes = 0;
    for (let round = 1; round <= args.runs; round++) {
      if (external) csync2Round(size, a, join(work, "csync2-db"), csync2Dir, round, csync2R);
      indexBytes = peersyncRound(size, a, join(work, "peersync-state"), cfg, round, oursR, () => {
        if (!external) return;
        rsyncRound(a, b, rsyncR);
        backToBack.push(oursR.nochange.at(-1)!.seconds / rsyncR.at(-1)!.seconds);
        log(`  rsync ${size.label} run ${round}: ${rsyncR.at(-1)!.seconds}s (right after peersync's no-change check: ratio ${backToBack.at(-1)!.toFixed(2)})`);
      });
    }
    const ours = { ...medians(oursR), indexBytes };
    const csync2 = external ? medians(csync2R) : undefined;
    const rsync = external ? medianOf(rsyncR) : undefined;
    const perFile = ours.indexBytes / size.files;
    const peakRss = Math.max(ours.first.rssKb, ours.nochange.rssKb, ours.touched.rssKb) / 1024;
    results[size.label] = { peersync: ours, csync2, rsync, indexBytesPerFile: perFile, peakRssMb: peakRss };
    console.log(`\n== ${size.label}: ${size.files} files × ${size.bytes} B in ${size.dirs} dirs (median of ${args.runs})`);
    console.log(`peersync check   first ${fmt(ours.first)} | no-change ${fmt(ours.nochange)} | 100 touched ${fmt(ours.touched)}`);
    if (csync2) console.log(`csync2 -cr       first ${fmt(csync2.first)} | no-change ${fmt(csync2.nochange)} | 100 touched ${fmt(csync2.touched)}`);
    if (rsync) console.log(`rsync -a --delete -n (identical copies) ${fmt(rsync)}`);
    console.log(`index ${(ours.indexBytes / 1e6).toFixed(1)} MB = ${perFile.toFixed(0)} bytes/file; peak RSS ${peakRss.toFixed(0)} MB`);
    if (backToBack.length > 0) {
      console.log(`no-change/rsync back to back, per round: ${backToBack.map((r) => r.toFixed(2)).join(" ")} (median ${median(backToBack).toFixed(2)})`);
    }
    if (csync2 && rsync) {
      console.log(`ratios: no-change/rsync ${ratio(ours.nochange.seconds, rsync.seconds)}, no-change/csync2 ${ratio(ours.nochange.seconds, csync2.nochange.seconds)}, ` +
        `first/csync2 ${ratio(ours.first.seconds, csync2.first.seconds)}, touched/csync2 ${ratio(ours.touched.seconds, csync2.touched.seconds)}`);
    }
    if (size.label === "100k" && csync2 && rsync) {
      target("100k no-change vs rsync -n", ours.nochange.seconds / rsync.seconds, 1.0);
      target("100k no-change vs csync2 -cr", ours.nochange.seconds / csync2.nochange.seconds, 0.5);
      target("100k first check vs csync2 -cr", ours.first.seconds / csync2.first.seconds, 0.5);
    }
    if (size.label === "1M") {
      target("1M peak RSS", peakRss, 200, " MB");
      target("1M index size", perFile, 300, " B/file");
    }
  }
  if (args.hintCalls > 0) {
    const work = join(args.dir, "hint-work");
    const { cfg } = writeConfigs(work, join(work, "tree"));
    const alone = benchHint(work, cfg, args.hintCalls, { daemon: false, fsync: false });
    const withDaemon = benchHint(work, cfg, args.hintCalls, { daemon: true, fsync: false });
    const fsynced = args.hintFsyncCalls > 0 ? benchHint(work, cfg, args.hintFsyncCalls, { daemon: false, fsync: true }) : undefined;
    const nodeStart = benchNodeStart(Math.min(args.hintCalls, 200));
    const loadAvg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    results.hint = { alone, withDaemon, fsynced, nodeStart, loadAvg };
    const show = (h: HintFigures): string => `median ${h.medianMs.toFixed(3)} ms, p95 ${h.p95Ms.toFixed(3)} ms, mean ${h.meanMs.toFixed(3)} ms`;
    console.log(`\n== hint: ${args.hintCalls} \`peersync --json hint PATH\` processes in a loop (load ${loadAvg})`);
    console.log("index time = the record itself (spool append: open, write, close, rotation check), timed inside each process:");
    console.log(`  alone:                 ${show(alone.record)}`);
    console.log(`  a daemon holds index:  ${show(withDaemon.record)}`);
    console.log("the command from its entry, config read included, to the record kept (inside each process):");
    console.log(`  alone:                 ${show(alone.command)}`);
    console.log(`  a daemon holds index:  ${show(withDaemon.command)}`);
    console.log("whole process (node start-up, module loading, config, record, exit), wall time measured here:");
    console.log(`  alone:                 ${show(alone.wall)}`);
    console.log(`  a daemon holds index:  ${show(withDaemon.wall)}`);
    console.log(`  CPU time (user+system, GNU time, 10 ms resolution): mean ${alone.cpu.meanMs.toFixed(1)} ms alone, ${withDaemon.cpu.meanMs.toFixed(1)} ms with a daemon`);
    console.log(`\`node -e 0\` (node start-up alone), ${nodeStart.calls} calls, wall: ${show(nodeStart)}`);
    if (fsynced) {
      console.log(`with --fsync (the append also flushed to disk), ${args.hintFsyncCalls} calls, alone: record ${show(fsynced.record)}; command ${show(fsynced.command)}`);
    }
    target("hint index time (record), daemon running (median)", withDaemon.record.medianMs, 1.0, " ms");
    target("hint index time (record), alone (median)", alone.record.medianMs, 1.0, " ms");
  }
  console.log(`\n${verdicts.join("\n")}`);
  if (args.json) console.log(JSON.stringify(results));
}

main();
