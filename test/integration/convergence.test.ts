// The convergence property (test/helpers/convergence.ts) at CI size: 5 seeds × 200 random
// operations on 3 real daemons, `auto younger`; two of the seeds also remove and rename
// directories (a directory deleted on one node while another adds a file to it), one of them
// also mixes files, symlinks and directories on the same names (type conflicts). Three of the
// seeds commit their checks in transactions of 2 entries, so the syncs push while their check
// goes on (sync/early-push.ts) with every kind of change mixed in. The soak
// (test/soak/convergence.test.ts, `make soak`) runs the same with 10,000 operations. Replay a
// failure: PEERSYNC_SEED=<seed>.

import { describe, test } from "node:test";
import { runConvergence, seedsFromEnv } from "../helpers/convergence.js";

const OPS = Number(process.env.PEERSYNC_CONVERGENCE_OPS ?? 200);
const DIR_DELETES = new Set([404, 505]);
const TYPE_CONFLICTS = new Set([505]);
const EARLY_PUSH = new Set([202, 404, 505]);

// Two seeds at a time: a run mostly waits on `peersync sync` processes. A sync every ~33 steps
// on average, and one final round when it is already quiet, keep the file near a minute on 2
// cores.
describe("convergence (auto younger)", { concurrency: 2 }, () => {
  for (const seed of seedsFromEnv([101, 202, 303, 404, 505])) {
    const dirDeletes = DIR_DELETES.has(seed);
    const typeConflicts = TYPE_CONFLICTS.has(seed);
    const checkBatch = EARLY_PUSH.has(seed) ? 2 : undefined;
    const extra = `${dirDeletes ? " with directory deletes" : ""}${typeConflicts ? " and type conflicts" : ""}${checkBatch ? ", pushing during checks" : ""}`;
    test(`seed ${seed}, ${OPS} operations${extra}: identical trees, no lost version`, { timeout: 180_000 }, async () => {
      await runConvergence({ seed, ops: OPS, policy: "younger", syncEvery: 0.03, dirDeletes, typeConflicts, ...(checkBatch ? { checkBatch } : {}), log: (l) => console.log(l) });
    });
  }
});

// A seed found by a search over policies: under `auto smaller`, `d1` loses as a file and later
// a file below the directory `d1` loses too. Its backup needed the directory where the file's
// copy lay, failed at every sync, and the cluster never went quiet (sync/backup.ts now moves
// the copy to d1.1).
describe("convergence (auto smaller)", () => {
  test("seed 7010, 200 operations with directory deletes and type conflicts: a path that was a file and a directory keeps both copies and converges", { timeout: 180_000 }, async () => {
    await runConvergence({ seed: 7010, ops: 200, policy: "smaller", syncEvery: 0.03, dirDeletes: true, typeConflicts: true, log: (l) => console.log(l) });
  });
});
