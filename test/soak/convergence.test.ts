// The convergence property (test/helpers/convergence.ts) at soak size: 10,000 random operations
// (`make soak`, PEERSYNC_SOAK=1), under `auto younger` and a second policy (`bigger`). Skipped
// without PEERSYNC_SOAK. Replay a failure: PEERSYNC_SOAK=1 PEERSYNC_SEED=<seed>.
//
// Known failures, kept as todo tests (they run and report, but do not fail `make soak`). Both
// were found before mtimes came from the seed, so these seeds may no longer hit the same case
// (not re-checked); the first scenario does not depend on mtimes, the second needs the symlink
// to be the younger side:
//  - seed 505 with directory deletes: a directory removed on one node while another creates a
//    file in it never converges: the remover's deletion is refused on the others (ENOTEMPTY)
//    and the new file is refused on the remover ("parent directory does not exist"), forever.
//  - seed 101 with type conflicts: a symlink made on one node where another made a directory
//    with files: the symlink wins on its node, the files are refused there ("parent is a
//    symlink") and the directory's deletion is refused on the others (ENOTEMPTY), forever.

import { test } from "node:test";
import { runConvergence, seedsFromEnv } from "../helpers/convergence.js";

const SOAK = process.env.PEERSYNC_SOAK === "1";
const OPS = Number(process.env.PEERSYNC_CONVERGENCE_OPS ?? 10_000);
const skip = !SOAK && "set PEERSYNC_SOAK=1 (make soak)";

for (const [policy, seeds] of [["younger", [7001, 7002]], ["bigger", [7003]]] as const) {
  for (const seed of seedsFromEnv(seeds)) {
    test(`soak: convergence, auto ${policy}, seed ${seed}, ${OPS / seeds.length} operations`, { skip, timeout: 3_600_000 }, async () => {
      // A sync every ~50 steps on average, so that many operations pile up between runs.
      await runConvergence({ seed, ops: Math.floor(OPS / seeds.length), policy, syncEvery: 0.02, maxRounds: 12, log: (l) => console.log(l) });
    });
  }
}

test("soak: convergence with directory deletes (seed 505, 200 operations)", { skip, todo: "directory delete vs new child never converges", timeout: 600_000 }, async () => {
  await runConvergence({ seed: 505, ops: 200, dirDeletes: true, log: (l) => console.log(l) });
});

test("soak: convergence with type conflicts (seed 101, 100 operations)", { skip, todo: "symlink vs directory with children never converges", timeout: 600_000 }, async () => {
  await runConvergence({ seed: 101, ops: 100, dirDeletes: true, typeConflicts: true, log: (l) => console.log(l) });
});
