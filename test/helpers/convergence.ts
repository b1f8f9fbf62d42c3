// Convergence property of the sync engine between real daemons (issue 7 item 8), shared by the
// CI test (test/integration/convergence.test.ts, small) and the soak (test/soak, large).
//
// Seeded random operations (create, modify, append, truncate, delete, mkdir, rmdir, rename,
// symlink, chmod) on random nodes of a 3-node cluster, interleaved with `peersync sync` runs on
// random nodes; then every node syncs, round after round, until a round offers nothing. Then:
//   1. all trees are identical: `diff -r --no-dereference` and a metadata walk (mode, size,
//      content, file mtime, symlink target);
//   2. no written content is lost. The oracle: every file content an operation writes is
//      "live" until an operation on some node replaces or deletes it *while that node's disk
//      holds it* (the user saw it and changed it: superseded causally, no backup owed). At the
//      end every content still live must be in the final tree or in some node's backup
//      directory. A content that lost a conflict is still live (no operation saw it being
//      replaced), so it must be in a backup; a content that only ever existed on one node and
//      was overwritten there before any sync is superseded by that overwrite. The oracle cannot
//      fire spuriously: the engine only ever replaces a live content through a sync.
// Failures print the seed; replay with PEERSYNC_SEED=<seed>.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync,
  symlinkSync, truncateSync, unlinkSync, utimesSync, writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { cleanup, startDaemon } from "./daemon.js";
import { indexMismatches, pendingCount } from "./index-truth.js";
import { FAST_ENV, makeCluster, snapshot, type Cluster, type ClusterNode } from "../integration/sync-cluster.js";

/** Generous request timeouts: other tests load the machine, and a timeout is not what this tests. */
const ENV = { ...FAST_ENV, PEERSYNC_REQUEST_TIMEOUT_MS: "60000", PEERSYNC_CONNECT_TIMEOUT_MS: "20000" };

export const NODES = ["alpha", "beta", "gamma"] as const;

export interface ConvergenceOptions {
  readonly seed: number;
  readonly ops: number;
  /** csync2 `auto` policy. @default "younger" */
  readonly policy?: string;
  /** Probability that a step is a sync run instead of an operation. @default 0.1 */
  readonly syncEvery?: number;
  /** Rounds of "sync on every node" before giving up on quiet. @default 8 */
  readonly maxRounds?: number;
  readonly log?: (line: string) => void;
  /**
   * Let non-directories and directories use the same names (a symlink or file where another
   * node made a directory with children). @default false
   */
  readonly typeConflicts?: boolean;
  /**
   * Remove directories (rmdir, rm -r) and rename them, so a directory deleted on one node while
   * another creates a file in it happens (it must come back with that file). @default false
   */
  readonly dirDeletes?: boolean;
  /**
   * Entries per transaction of every sync run's check (PEERSYNC_CHECK_BATCH): a few make the
   * runs push what their check recorded while it goes on (sync/early-push.ts), with this
   * test's random mix of changes. @default the check's own (1000: a test tree pushes nothing early)
   */
  readonly checkBatch?: number;
}

export interface ConvergenceResult {
  readonly seed: number;
  readonly ops: number;
  readonly syncs: number;
  readonly rounds: number;
  readonly files: number;
  readonly live: number;
  readonly backups: number;
  readonly nonZeroExits: string[];
}

/** mulberry32: small, seedable, good enough to pick operations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeds to run: PEERSYNC_SEED (comma-separated) replays exactly those. */
export function seedsFromEnv(defaults: readonly number[]): number[] {
  const env = process.env.PEERSYNC_SEED;
  if (env) return env.split(",").map((s) => Number(s.trim())).filter((n) => Number.isFinite(n));
  return [...defaults];
}

// A small name space so that operations on different nodes collide often.
const DIRS = ["d1", "d2", "d2/d3"];
const NAMES = ["a", "b", "c"];
const LEAVES = [...NAMES, ...DIRS.flatMap((d) => NAMES.map((n) => `${d}/${n}`))];
const PATHS = [...LEAVES, ...DIRS];
const FILE_MODES = [0o644, 0o600, 0o640, 0o755];
const DIR_MODES = [0o755, 0o750, 0o700];

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

interface Live {
  readonly what: string;
}

export async function runConvergence(options: ConvergenceOptions): Promise<ConvergenceResult> {
  const { seed, ops } = options;
  const policy = options.policy ?? "younger";
  const syncEvery = options.syncEvery ?? 0.1;
  const maxRounds = options.maxRounds ?? 8;
  const log = options.log ?? (() => {});
  const syncEnv = options.checkBatch === undefined ? ENV : { ...ENV, PEERSYNC_CHECK_BATCH: String(options.checkBatch) };
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const history: string[] = [];
  const note = (line: string): void => {
    history.push(line);
    if (history.length > 400) history.shift();
  };

  const c: Cluster = await makeCluster([...NODES], { extra: [`auto ${policy};`, "backup-generations 100000;", "max-delete 1000000;"], start: false });
  // The same file in every root, which no operation touches: the operations may delete all
  // the rest, and a check stops at a root it finds empty while its index knew entries below
  // it (an unmounted disk looks the same), where this test wants the deletions to travel.
  for (const n of Object.values(c.nodes)) {
    writeFileSync(join(n.root, ".keep"), "kept in every root\n", { mode: 0o644 });
    chmodSync(join(n.root, ".keep"), 0o644);
    utimesSync(join(n.root, ".keep"), 1_600_000_000, 1_600_000_000);
  }
  await Promise.all(Object.values(c.nodes).map(async (n) => {
    n.daemon = await startDaemon({ name: n.name, configFile: c.configFile, stateDir: n.state, env: ENV, readyTimeoutMs: 60_000 });
  }));
  const live = new Map<string, Live>(); // content hash → where it was written
  const nonZeroExits: string[] = [];
  let syncs = 0;
  let rounds = 0;
  try {
    const nodeList = NODES.map((n) => c.nodes[n]!);
    const fail = (message: string): never => {
      throw new Error(`${message}\n\nconvergence seed ${seed} (policy ${policy}, ${ops} ops); replay: PEERSYNC_SEED=${seed}\nlast steps:\n${history.slice(-400).join("\n")}`);
    };
    /** Marks every file content under `full` on this node's disk as superseded (an operation is about to replace or delete it). */
    const supersede = (full: string): void => {
      let st;
      try {
        st = lstatSync(full);
      } catch {
        return;
      }
      if (st.isFile()) live.delete(sha(readFileSync(full)));
      else if (st.isDirectory()) for (const n of readdirSync(full)) supersede(join(full, n));
    };
    const written = (full: string, what: string): void => {
      const b = readFileSync(full);
      if (b.length > 0) live.set(sha(b), { what });
    };
    const kind = (full: string): "file" | "dir" | "link" | "none" => {
      try {
        const st = lstatSync(full);
        return st.isDirectory() ? "dir" : st.isSymbolicLink() ? "link" : st.isFile() ? "file" : "none";
      } catch {
        return "none";
      }
    };
    /** Parents of `rel` exist as directories (made when missing, if no non-directory is in the way). */
    const parentsOk = (root: string, rel: string): boolean => {
      const parts = rel.split("/").slice(0, -1);
      let cur = root;
      for (const p of parts) {
        cur = join(cur, p);
        const k = kind(cur);
        if (k === "none") mkdirSync(cur, { mode: 0o755 });
        else if (k !== "dir") return false;
      }
      return true;
    };
    const content = (i: number, node: string): string => {
      const tag = `seed ${seed} op ${i} on ${node}\n`;
      const r = rand();
      if (r < 0.05) return tag + "x".repeat(70_000 + Math.floor(rand() * 30_000)); // above the delta threshold
      return tag + "y".repeat(Math.floor(rand() * 200));
    };
    // Every write gets an mtime from the seed (a logical clock, 30% of the time a random older
    // one), never the wall clock: `auto younger` then decides the same way on every replay.
    const maybeOldMtime = (full: string, i: number): void => {
      const t = rand() < 0.3 ? 1_600_000_000 + Math.floor(rand() * 100_000_000) + Math.floor(rand() * 1e6) / 1e6 : 1_700_000_000 + i + 0.25;
      utimesSync(full, t, t);
    };

    const operate = (i: number, node: ClusterNode): void => {
      const root = node.root;
      const op = pick(["create", "modify", "modify", "append", "truncate", "delete", "mkdir", "rmdir", "rename", "symlink", "chmod"] as const);
      const mixed = options.typeConflicts ?? false;
      const dirDeletes = options.dirDeletes ?? false;
      // Without typeConflicts, directories live at DIRS only and everything else at LEAVES.
      const rel = mixed ? pick(PATHS) : op === "mkdir" || op === "rmdir" ? pick(DIRS) : op === "rename" || op === "chmod" ? pick(PATHS) : pick(LEAVES);
      const full = join(root, rel);
      const k = kind(full);
      const step = `#${i} ${node.name} ${op} ${rel} (was ${k})`;
      switch (op) {
        case "create":
        case "modify": {
          if (op === "create" && k !== "none") return note(`${step}: skipped`);
          if (op === "modify" && k !== "file") return note(`${step}: skipped`);
          if (!parentsOk(root, rel)) return note(`${step}: skipped (parent)`);
          supersede(full);
          writeFileSync(full, content(i, node.name), { mode: pick(FILE_MODES) });
          maybeOldMtime(full, i);
          written(full, step);
          return note(step);
        }
        case "append": {
          if (k !== "file") return note(`${step}: skipped`);
          supersede(full);
          appendFileSync(full, `append op ${i} on ${node.name}\n`);
          maybeOldMtime(full, i);
          written(full, step);
          return note(step);
        }
        case "truncate": {
          if (k !== "file") return note(`${step}: skipped`);
          supersede(full);
          truncateSync(full, Math.floor(lstatSync(full).size * rand()));
          maybeOldMtime(full, i);
          written(full, step);
          return note(step);
        }
        case "delete": {
          if (k !== "file" && k !== "link") return note(`${step}: skipped`);
          supersede(full);
          unlinkSync(full);
          return note(step);
        }
        case "mkdir": {
          if (k !== "none" || !parentsOk(root, rel)) return note(`${step}: skipped`);
          mkdirSync(full, { mode: pick(DIR_MODES) });
          return note(step);
        }
        case "rmdir": {
          if (k !== "dir" || !dirDeletes) return note(`${step}: skipped`);
          if (readdirSync(full).length === 0) rmdirSync(full);
          else if (rand() < 0.3) {
            supersede(full);
            rmSync(full, { recursive: true });
          } else return note(`${step}: skipped (not empty)`);
          return note(step);
        }
        case "rename": {
          if (k === "none" || (k === "dir" && !dirDeletes)) return note(`${step}: skipped`);
          const to = mixed ? pick(PATHS) : k === "dir" ? pick(DIRS) : pick(LEAVES);
          const toFull = join(root, to);
          const tk = kind(toFull);
          if (to === rel || to.startsWith(`${rel}/`) || rel.startsWith(`${to}/`)) return note(`${step}: skipped (nested)`);
          if (!parentsOk(root, to)) return note(`${step}: skipped (parent)`);
          if (tk === "dir" && (k !== "dir" || readdirSync(toFull).length > 0)) return note(`${step}: skipped (dir in the way)`);
          if (tk !== "none" && tk !== "dir" && k === "dir") return note(`${step}: skipped (file in the way)`);
          supersede(toFull);
          renameSync(full, toFull);
          return note(`${step} -> ${to} (was ${tk})`);
        }
        case "symlink": {
          if (k !== "none" || !parentsOk(root, rel)) return note(`${step}: skipped`);
          const target = pick(["a", "../a", "/nonexistent/x", `t${i}`, "d1"]);
          symlinkSync(target, full);
          return note(`${step} -> ${target}`);
        }
        case "chmod": {
          if (k === "file") chmodSync(full, pick(FILE_MODES));
          else if (k === "dir") chmodSync(full, pick(DIR_MODES));
          else return note(`${step}: skipped`);
          return note(step);
        }
      }
    };

    // Where each file content is, per node, to say which sync removed a content that ends up
    // lost, on which node, and whether that node kept a backup.
    const contentsOf = (dir: string): Map<string, string> => {
      const out = new Map<string, string>();
      const walk = (d: string, rel: string): void => {
        if (!existsSync(d)) return;
        for (const name of readdirSync(d)) {
          const full = join(d, name);
          const st = lstatSync(full);
          if (st.isDirectory()) walk(full, `${rel}/${name}`);
          else if (st.isFile()) out.set(sha(readFileSync(full)), `${rel}/${name}`);
        }
      };
      walk(dir, "");
      return out;
    };
    const trail = new Map<string, string[]>(); // content hash → what syncs did to it
    const sync = async (node: ClusterNode, why: string): Promise<{ offered: number; fetched: number }> => {
      const before = nodeList.map((n) => contentsOf(n.root));
      const r = await node.run(["sync", "--json"], syncEnv);
      syncs++;
      nodeList.forEach((n, j) => {
        const after = contentsOf(n.root);
        let backups: Map<string, string> | undefined;
        for (const [h, path] of before[j]!) {
          if (!live.has(h) || after.has(h)) continue;
          backups ??= contentsOf(join(n.state, "backup"));
          const line = `${why}: sync on ${node.name} removed it from ${n.name}:${path} (${backups.has(h) ? "backed up there" : "NO backup there"})`;
          trail.set(h, [...(trail.get(h) ?? []), line]);
        }
      });
      let report: { offered?: number; fetched?: number; applied?: number; problems?: number } = {};
      try {
        report = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as typeof report;
      } catch {
        // not JSON: reported below
      }
      note(`${why}: sync on ${node.name} -> exit ${r.code} ${r.stdout.trim()}${r.stderr.trim() ? ` stderr: ${r.stderr.trim().slice(0, 2000)}` : ""}`);
      // Right after its own run, a node's index records exactly what its disk holds.
      const wrong = indexMismatches(node.state, (p) => join(node.root, p.slice("%data%".length)));
      if (wrong.length > 0) fail(`${why}: after a sync on ${node.name}, its index disagrees with its disk:\n${wrong.join("\n")}`);
      if (r.code !== 0) nonZeroExits.push(`${why} ${node.name}: exit ${r.code}: ${r.stderr.trim().slice(0, 500)}`);
      // 4 (a peer not reached, e.g. a timeout on a loaded machine) leaves entries pending: the
      // final rounds must still converge. Anything else (5 safety stop, 6 lock, crash) fails.
      if (r.code !== 0 && r.code !== 1 && r.code !== 3 && r.code !== 4) fail(`sync on ${node.name} exited ${r.code}:\n${r.stderr}`);
      return { offered: r.code === 4 ? 1 : report.offered ?? 0, fetched: report.fetched ?? 0 };
    };

    for (let i = 0; i < ops; i++) {
      if (rand() < syncEvery) await sync(pick(nodeList), `#${i}`);
      else operate(i, pick(nodeList));
    }
    // Quiet: after a round of sync on every node, nothing is pending anywhere and the trees
    // agree. Every node's index matching its disk (checked below) means no change is waiting
    // for a check either, so another round would offer nothing; it is not run (syncs are what
    // this test spends its time on).
    let quiet = false;
    while (!quiet && rounds < maxRounds) {
      rounds++;
      for (const n of nodeList) await sync(n, `round ${rounds}`);
      const first = JSON.stringify(snapshot(nodeList[0]!.root));
      quiet = nodeList.every((n) => pendingCount(n.state) === 0 && JSON.stringify(snapshot(n.root)) === first);
    }
    if (!quiet) fail(`not quiet after ${maxRounds} rounds of sync on every node: pending ${nodeList.map((n) => `${n.name} ${pendingCount(n.state)}`).join(", ")}`);
    for (const n of nodeList) {
      const wrong = indexMismatches(n.state, (p) => join(n.root, p.slice("%data%".length)));
      if (wrong.length > 0) fail(`at the end, ${n.name}'s index disagrees with its disk:\n${wrong.join("\n")}`);
    }

    // 1. identical trees.
    const want = snapshot(nodeList[0]!.root);
    for (const n of nodeList.slice(1)) {
      try {
        execFileSync("diff", ["-r", "--no-dereference", nodeList[0]!.root, n.root], { stdio: "pipe" });
      } catch (e) {
        fail(`diff -r --no-dereference alpha ${n.name}:\n${String((e as { stdout?: Buffer }).stdout ?? e)}`);
      }
      try {
        assert.deepEqual(snapshot(n.root), want);
      } catch (e) {
        fail(`metadata of ${n.name} differs from alpha's: ${(e as Error).message}`);
      }
    }

    // 2. no live content lost.
    const found = new Set<string>();
    const collect = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        const st = lstatSync(full);
        if (st.isDirectory()) collect(full);
        else if (st.isFile()) found.add(sha(readFileSync(full)));
      }
    };
    collect(nodeList[0]!.root);
    const inTree = found.size;
    for (const n of nodeList) collect(join(n.state, "backup"));
    const lost = [...live].filter(([h]) => !found.has(h)).map(([h, l]) => [l.what, ...(trail.get(h) ?? ["  (no sync removed it from a tree: an operation did)"]).map((t) => `  ${t}`)].join("\n"));
    if (lost.length > 0) fail(`${lost.length} written content(s) in no tree and no backup:\n${lost.join("\n")}`);
    log(`seed ${seed}: ${ops} ops, ${syncs} syncs, ${rounds} final round(s), ${Object.keys(want).length} entries, ${live.size} live contents, ${found.size - inTree} only in backups, non-zero exits ${nonZeroExits.length}${nonZeroExits.map((x) => `\n  ${x.split("\n")[0]}`).join("")}`);
    return { seed, ops, syncs, rounds, files: Object.keys(want).length, live: live.size, backups: found.size - inTree, nonZeroExits };
  } finally {
    await c.stop();
    if (!process.env.PEERSYNC_KEEP) cleanup(c.dir);
    else log(`kept ${c.dir}`);
  }
}
