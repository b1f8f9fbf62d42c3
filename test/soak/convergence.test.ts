// The convergence property (test/helpers/convergence.ts) at soak size: 10,000 random operations
// (`make soak`, PEERSYNC_SOAK=1), under `auto younger` and a second policy (`bigger`), and every
// policy at 1,500 operations with directory deletes and type conflicts. Skipped
// without PEERSYNC_SOAK. Replay a failure: PEERSYNC_SOAK=1 PEERSYNC_SEED=<seed>.
//
// Directory deletes (a directory removed on one node while another adds a file to it) and type
// conflicts (a symlink or file made where another node has a directory with entries) converge
// since reconcile's keep-dir rule: a directory that still holds entries survives a deletion or
// a non-directory put in its place, a file that loses so is backed up. The CI test runs them on
// two seeds, the soak below on two more.

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

test("soak: convergence with type conflicts (seed 101, 1,000 operations)", { skip, timeout: 1_800_000 }, async () => {
  await runConvergence({ seed: 101, ops: 1000, dirDeletes: true, typeConflicts: true, syncEvery: 0.03, maxRounds: 12, log: (l) => console.log(l) });
});

// Every auto policy at 1,500 operations with directory deletes and type conflicts: the search
// that found the bugs the CI test's policy cases guard (test/integration/convergence.test.ts).
for (const [k, policy] of ["younger", "older", "bigger", "smaller", "left", "right", "first"].entries()) {
  for (const seed of seedsFromEnv([7300 + k])) {
    test(`soak: convergence, auto ${policy}, seed ${seed}, 1,500 operations with directory deletes and type conflicts`, { skip, timeout: 1_800_000 }, async () => {
      await runConvergence({ seed, ops: 1500, policy, dirDeletes: true, typeConflicts: true, syncEvery: 0.03, maxRounds: 12, log: (l) => console.log(l) });
    });
  }
}
