// The least any receiver that keeps non-negotiable 3 (temp file, fsync, rename, fsync the
// directory) must spend on scenario (a) of bench/sync.ts: the same 10,000 files written into an
// empty tree through peersync's own receive calls and nothing else. No network, no frames, no
// hash check, no index, no decisions: only what the kernel must do for each file and batch.
//
//   node dist/bench/durable-floor.js SOURCE DEST [--no-sync]
//
// Per batch of BATCH files (in path order, as a sender offers them): the temp files through the
// thread-pool writer (fs/temp-writer.ts, as put-batch.ts does), one syncfs for their data
// (fs/sync-fs.ts), then per file an lstat of the target and renameat2(RENAME_NOREPLACE)
// (fs/rename-at2.ts, as replace.ts does), then one fsync per touched directory. `--no-sync`
// leaves out the syncfs and the directory fsyncs: what the same steps cost without durability,
// as rsync and csync2 write. The source is read into memory before the clock starts (a receiver
// gets it off the wire). Prints one line, `FLOOR <seconds> <CPU seconds>`, measured inside this
// process (all its threads), so Node's start and the read are not counted.

import { lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { batchDurability } from "../src/fs/sync-fs.js";
import { nativeTempWriter } from "../src/fs/temp-writer.js";
import { renameNoReplace } from "../src/fs/rename-at2.js";

/** Files per batch: what one offer's 96 KiB of metadata holds for these paths (push-batch.ts). */
const BATCH = 150;

interface SourceFile {
  readonly rel: string;
  readonly data: Buffer;
}

function readTree(root: string, rel = ""): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...readTree(root, path));
    else if (entry.isFile()) out.push({ rel: path, data: readFileSync(join(root, path)) });
  }
  return out;
}

async function writeBatch(dest: string, batch: readonly SourceFile[], durable: boolean): Promise<void> {
  const write = nativeTempWriter();
  if (write === undefined) throw new Error("durable-floor: the native addon (native/) is not built; run `make build`");
  const sync = batchDurability();
  try {
    const dirs = new Set(batch.map((f) => join(dest, f.rel, "..")));
    for (const dir of dirs) {
      mkdirSync(dir, { recursive: true });
      if (durable) sync.watch(dir);
    }
    await Promise.all(batch.map((f) => write({ temp: tempOf(dest, f.rel), data: f.data, mode: 0o644 })));
    if (durable) await sync.syncData();
    for (const f of batch) {
      lstatSync(join(dest, f.rel), { throwIfNoEntry: false });
      if (!renameNoReplace(tempOf(dest, f.rel), join(dest, f.rel))) throw new Error("durable-floor: renameat2 is not offered here");
    }
    if (durable) for (const dir of dirs) await sync.syncDirectory(dir);
  } finally {
    sync.close();
  }
}

function tempOf(dest: string, rel: string): string {
  const slash = rel.lastIndexOf("/");
  return join(dest, rel.slice(0, slash + 1), `.${rel.slice(slash + 1)}.floor-tmp`);
}

async function main(): Promise<void> {
  const [source, dest] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  if (source === undefined || dest === undefined) throw new Error("usage: node dist/bench/durable-floor.js SOURCE DEST [--no-sync]");
  const durable = !process.argv.includes("--no-sync");
  const files = readTree(source);
  mkdirSync(dest, { recursive: true });
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < files.length; i += BATCH) await writeBatch(dest, files.slice(i, i + BATCH), durable);
  const cpu = process.cpuUsage(cpu0);
  console.log(`FLOOR ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(4)} ${((cpu.user + cpu.system) / 1e6).toFixed(4)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
