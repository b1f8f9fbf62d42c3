// The convergence property (test/helpers/convergence.ts) at soak size: 10,000 random operations
// (`make soak`, PEERSYNC_SOAK=1), under `auto younger` and a second policy (`bigger`). Skipped
// without PEERSYNC_SOAK. Replay a failure: PEERSYNC_SOAK=1 PEERSYNC_SEED=<seed>.
//
// Directory deletes (a directory removed on one node while another adds a file to it) converge
// since reconcile's keep-dir rule; the CI test runs them on two seeds, the soak below on a third.
// Known failure, kept as a todo test (it runs and reports, but does not fail `make soak`):
//  - seed 101 with type conflicts: a symlink or file made on one node where another made a
//    directory with files: the non-directory's replacement of the directory is refused where
//    the directory still has children (ENOTEMPTY), and the children are refused where the
//    non-directory stands ("parent is a symlink"), forever. Needs a type-conflict rule (issue 7).

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

test("soak: convergence with directory deletes (seed 606, 1,000 operations)", { skip, timeout: 1_800_000 }, async () => {
  await runConvergence({ seed: 606, ops: 1000, dirDeletes: true, syncEvery: 0.03, maxRounds: 12, log: (l) => console.log(l) });
});

test("soak: convergence with type conflicts (seed 101, 100 operations)", { skip, todo: "symlink vs directory with children never converges", timeout: 600_000 }, async () => {
  await runConvergence({ seed: 101, ops: 100, dirDeletes: true, typeConflicts: true, log: (l) => console.log(l) });
});
