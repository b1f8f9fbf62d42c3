// Waits until the filesystem the benchmark writes to creates files at its usual speed.
//
// This machine's root filesystem is ext4 without a journal. There, allocating an inode passes
// over every free inode of the block group whose deletion is recent (fs/ext4/ialloc.c,
// recently_deleted: deleted in the last 60 s, or 360 s while its inode-table block is still
// dirty), with a buffer lookup for each. After a mass delete (a test suite's temp dirs, another
// benchmark's trees, csync2's temp files) every create costs 120-350 µs instead of 10-15 µs for
// a minute or more, and a step that creates 10,000 files (scenario a, e) measured the kernel's
// allocator rather than the tool: perf showed 15-20 % of all samples in recently_deleted and
// find_get_block_common, and the same (a) took 2.3 s or 5.1 s depending on what ran before.
//
// So before such a step: create a few hundred empty files (kept, so the probe deletes nothing
// itself), and while that costs more than `maxMicros` per file, wait and probe again, up to
// `maxWaitMs`; then go on, saying so when it is still slow.

import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";

export interface QuietOptions {
  /** Files per probe. @default 400 */
  readonly files?: number;
  /** A quiet filesystem creates a file in less than this. @default 40 */
  readonly maxMicros?: number;
  /** @default 6 minutes */
  readonly maxWaitMs?: number;
  /** @default 15 s */
  readonly pauseMs?: number;
  readonly log?: (line: string) => void;
}

let probes = 0;

/** µs per create of an empty file in a new directory under `dir`. */
export function createCost(dir: string, files: number): number {
  const probe = join(dir, `quiet-probe-${probes++}`);
  mkdirSync(probe, { recursive: true });
  const started = process.hrtime.bigint();
  for (let i = 0; i < files; i++) closeSync(openSync(join(probe, `p${i}`), "wx"));
  return Number(process.hrtime.bigint() - started) / 1000 / files;
}

/** Resolves once a probe under `dir` is quick; returns the last probe's µs per create. */
export async function waitForQuietFilesystem(dir: string, options: QuietOptions = {}): Promise<number> {
  const { files = 400, maxMicros = 40, maxWaitMs = 6 * 60_000, pauseMs = 15_000, log = () => undefined } = options;
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const micros = createCost(dir, files);
    if (micros <= maxMicros) return micros;
    if (Date.now() + pauseMs > deadline) {
      log(`  WARNING: the filesystem still takes ${micros.toFixed(0)} µs per file create (quiet: < ${maxMicros}); the next step's figure includes it`);
      return micros;
    }
    log(`  filesystem slow to create files (${micros.toFixed(0)} µs each: recent deletes), waiting ${pauseMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
