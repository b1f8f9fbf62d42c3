// Our signature, delta and patch against `rdiff` doing the same, in the same run: a random basis
// with 100 scattered 100-byte edits. Every operation runs in its own child process under GNU
// time for peak RSS; runs alternate between the tools so background load hits both alike.
//
//   node dist/bench/delta.js [--size 256M|1G|…] [--runs 5] [--dir DIR]
//   PEERSYNC_BENCH_SIZE=16M PEERSYNC_BENCH_RUNS=1 node dist/bench/delta.js   (quick iteration)
//
// "s" is the wall time of the operation itself (our child times it once Node has started; rdiff
// is timed from spawn to exit); "+node s" adds Node's ~80 ms start-up, which a daemon pays once;
// "cpu" is user + system time, which other load on the machine barely moves. Ours is the peak
// RSS of all runs, rdiff's the median. Target: wall ratio <= 1.10, our peak RSS < 64 MB.
import { spawn } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { rsyncAddon } from "../src/delta/binding.js";
import { deltaFile, patchFile, signatureFile } from "../src/delta/files.js";

const OPS = ["signature", "delta", "patch"] as const;
type Op = (typeof OPS)[number];

interface Sample {
  readonly seconds: number;
  readonly processSeconds: number;
  /** User + system CPU seconds: unlike wall time, barely moved by other load on the machine. */
  readonly cpuSeconds: number;
  readonly rssKiB: number;
}

const TARGET_RATIO = 1.1;
const TARGET_RSS_KIB = 64 * 1024;
const EDITS = 100;
const EDIT_LENGTH = 100;

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (m === null) throw new RangeError(`Cannot read size "${text}": expected e.g. 256M or 1G`);
  const unit = { "": 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 }[(m[2] ?? "").toUpperCase()] ?? 1;
  return Number(m[1]) * unit;
}

// Child: run one of our operations on files and print how long it took.
async function child(op: string, files: readonly string[]): Promise<void> {
  const [a = "", b = "", c = ""] = files;
  rsyncAddon(); // a daemon loads the addon once, so its dlopen() is start-up, not the operation
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  if (op === "signature") await signatureFile({ basis: a, out: b });
  else if (op === "delta") await deltaFile({ signature: a, newFile: b, out: c });
  else if (op === "patch") await patchFile({ basis: a, delta: b, out: c });
  else throw new RangeError(`Cannot run child op "${op}"`);
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e9} ${(used.user + used.system) / 1e6}\n`);
}

/** Runs argv under GNU time; resolves with wall seconds, stdout and peak RSS. */
function timed(argv: readonly string[], timeFile: string): Promise<{ seconds: number; stdout: string; cpuSeconds: number; rssKiB: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const proc = spawn("/usr/bin/time", ["-f", "%U %S %M", "-o", timeFile, ...argv], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) return reject(new Error(`Cannot run ${argv.join(" ")}: exit code ${String(code)}`));
      readFile(timeFile, "utf8").then((text) => {
        const [user = NaN, system = NaN, rssKiB = NaN] = text.trim().split(/\s+/).slice(-3).map(Number);
        resolve({ seconds, stdout, cpuSeconds: user + system, rssKiB });
      }, reject);
    });
  });
}

async function makeFiles(dir: string, size: number): Promise<void> {
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-ctr", key, randomBytes(16));
  const zeros = Buffer.alloc(1 << 20);
  const basis = await open(join(dir, "basis"), "w");
  for (let left = size; left > 0; left -= zeros.length) {
    await basis.write(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))));
  }
  await basis.close();
  await copyFile(join(dir, "basis"), join(dir, "new"));
  const next = await open(join(dir, "new"), "r+");
  for (let i = 0; i < EDITS; i++) {
    const slot = Math.floor(size / EDITS);
    const offset = i * slot + Math.floor(Math.random() * Math.max(1, slot - EDIT_LENGTH));
    await next.write(randomBytes(EDIT_LENGTH), 0, EDIT_LENGTH, Math.min(offset, Math.max(0, size - EDIT_LENGTH)));
  }
  await next.close();
}

function argvFor(tool: "rdiff" | "ours", op: Op, dir: string): string[] {
  const f = (name: string) => join(dir, name);
  const out = `${tool}.${op}.out`;
  const files = {
    signature: [f("basis"), f(out)],
    delta: [f("basis.sig"), f("new"), f(out)],
    patch: [f("basis"), f("basis.delta"), f(out)],
  }[op];
  if (tool === "rdiff") return ["rdiff", "-f", op, ...files];
  return [process.execPath, process.argv[1] ?? "", "--child", op, ...files];
}

async function sample(tool: "rdiff" | "ours", op: Op, dir: string): Promise<Sample> {
  await rm(join(dir, `${tool}.${op}.out`), { force: true });
  const r = await timed(argvFor(tool, op, dir), join(dir, "time.txt"));
  if (tool === "rdiff") return { seconds: r.seconds, processSeconds: r.seconds, cpuSeconds: r.cpuSeconds, rssKiB: r.rssKiB };
  const [seconds = NaN, cpuSeconds = NaN] = r.stdout.trim().split(" ").map(Number);
  return { seconds, processSeconds: r.seconds, cpuSeconds, rssKiB: r.rssKiB };
}

async function digest(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function verify(dir: string): Promise<void> {
  const checks = [
    ["ours.signature.out", "basis.sig"],
    ["ours.delta.out", "basis.delta"],
    ["ours.patch.out", "new"],
  ] as const;
  for (const [ours, want] of checks) {
    if ((await digest(join(dir, ours))) !== (await digest(join(dir, want)))) throw new Error(`Cannot trust the benchmark: ${ours} differs from ${want}`);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const HEADER = ["op", "rdiff s", "ours s", "ratio", "+node s", "ratio", "rdiff cpu", "ours cpu", "ratio", "rdiff RSS", "ours RSS", ""];
const WIDTHS = [9, 8, 8, 6, 8, 6, 9, 8, 6, 9, 9, 4];

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(WIDTHS[i] ?? 0) : c.padStart(WIDTHS[i] ?? 0))).join("  ");
}

function report(op: Op, rdiff: readonly Sample[], ours: readonly Sample[]): boolean {
  const m = (s: readonly Sample[], k: keyof Sample) => median(s.map((x) => x[k]));
  // GNU time counts CPU in 10 ms steps, so a tiny run can show 0 for rdiff.
  const ratio = (k: keyof Sample) => (m(rdiff, k) > 0 ? (m(ours, k) / m(rdiff, k)).toFixed(2) : "-");
  const mb = (kib: number) => `${(kib / 1024).toFixed(1)} MB`;
  const rss = Math.max(...ours.map((s) => s.rssKiB));
  const ok = Number(ratio("seconds")) <= TARGET_RATIO && rss < TARGET_RSS_KIB;
  const secs = (s: readonly Sample[], k: keyof Sample) => m(s, k).toFixed(3);
  console.log(row([
    op, secs(rdiff, "seconds"), secs(ours, "seconds"), ratio("seconds"),
    secs(ours, "processSeconds"), ratio("processSeconds"),
    secs(rdiff, "cpuSeconds"), secs(ours, "cpuSeconds"), ratio("cpuSeconds"),
    mb(m(rdiff, "rssKiB")), mb(rss), ok ? "ok" : "MISS",
  ]));
  return ok;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: "string" },
      size: { type: "string", default: process.env["PEERSYNC_BENCH_SIZE"] ?? "256M" },
      runs: { type: "string", default: process.env["PEERSYNC_BENCH_RUNS"] ?? "5" },
      dir: { type: "string", default: process.env["PEERSYNC_BENCH_DIR"] ?? tmpdir() },
    },
    allowPositionals: true,
    strict: false,
  });
  if (typeof values.child === "string") return child(values.child, process.argv.slice(4));
  const size = parseSize(String(values.size));
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`Cannot use --runs ${String(values.runs)}: expected a positive integer`);

  const startLoad = loadavg()[0] ?? 0;
  const dir = await mkdtemp(join(String(values.dir), "peersync-bench-delta-"));
  try {
    await makeFiles(dir, size);
    await timed(["rdiff", "-f", "signature", join(dir, "basis"), join(dir, "basis.sig")], join(dir, "time.txt"));
    await timed(["rdiff", "-f", "delta", join(dir, "basis.sig"), join(dir, "new"), join(dir, "basis.delta")], join(dir, "time.txt"));
    const samples = new Map<string, Sample[]>();
    for (let run = 0; run < runs; run++) {
      for (const op of OPS) {
        const order = run % 2 === 0 ? (["rdiff", "ours"] as const) : (["ours", "rdiff"] as const);
        for (const tool of order) {
          const list = samples.get(`${tool} ${op}`) ?? [];
          list.push(await sample(tool, op, dir));
          samples.set(`${tool} ${op}`, list);
        }
      }
      if (run === 0) await verify(dir);
    }
    console.log(`delta benchmark: ${size / (1 << 20)} MiB random file, ${EDITS} scattered ${EDIT_LENGTH}-byte edits, median of ${runs}, Node ${process.version}`);
    console.log(row(HEADER));
    let ok = true;
    for (const op of OPS) ok = report(op, samples.get(`rdiff ${op}`) ?? [], samples.get(`ours ${op}`) ?? []) && ok;
    console.log(`target: op time ratio <= ${TARGET_RATIO} and our peak RSS < 64 MB: ${ok ? "met" : "missed"}`);
    // Wall times mean little on a busy machine; the load says how busy it was.
    console.log(`load average (1 min) at start ${startLoad.toFixed(2)}, at end ${(loadavg()[0] ?? 0).toFixed(2)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
