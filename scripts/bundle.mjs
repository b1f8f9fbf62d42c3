// Bundles the compiled CLI (dist/src/cli/main.js and everything it imports, commands loaded on
// demand included) into one CommonJS file, dist/src/bundle/peersync.cjs, which bin/peersync
// runs when it is there and current. Why (issue 5, measured on Node 20, CPU time per process):
// node's ESM loader resolves, reads and links each of the ~60 modules of a command one by one,
// and loads its own internals for that; one CommonJS file skips all of it: `peersync check` of a
// small tree 255 → 210 ms, `--version` 186 → 155 ms (`node -e 0` alone: 112 ms). Node 20 has no
// module.enableCompileCache, so bin/peersync also keeps V8's code cache of this file (see there).
//
// What stays outside: @parcel/watcher (its native addon finds itself from its package) and the
// big CommonJS libraries only some commands use (node-forge: a first start's certificate;
// prom-client: the daemon's metrics), required from node_modules as before. better-sqlite3's
// JavaScript is inside (its addon is loaded by path, index/database.ts nativeBinding()):
// resolving and compiling its ten files from node_modules cost every command that opens the
// index ~2.5 ms (a no-change sync: 97.4 -> 95.1 and 98.3 -> 95.4 ms, medians of 42 runs). pino is inside:
// every sync, check and daemon makes a logger, and requiring it from node_modules (resolving
// and compiling ~15 files) cost ~18 ms of a 300 ms no-change sync (profiled); peersync uses
// no pino transport, so none of pino's worker files is needed beside the bundle. The bundle sits at the same depth below dist/ as the
// modules it replaces, so paths taken from import.meta.url (package.json, native/build) still
// hold; the index schema and the lstat worker, which sit beside their module, get a copy and a
// forwarding module here.
//
// Last, one `peersync sync` run against a throw-away config and tree leaves bin/peersync's code
// cache of this build with the functions of the commands cron runs compiled: a check that skips
// a directory and records a change in another, and a push (to a closed port). Other commands
// compile the rest lazily, as without a cache. Measured: a no-change sync of 10,000 files
// 106 → 98 ms, and `peersync hint` stays at 66 ms (it shares the config read; a cache warmed
// by hint alone gave it the same).

import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const OUT = "dist/src/bundle";

rmSync(OUT, { recursive: true, force: true }); // old code caches included
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: ["dist/src/cli/main.js"],
  outfile: join(OUT, "peersync.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["@parcel/watcher", "node-forge", "prom-client"],
  // import.meta.url of every module becomes the bundle's own URL (see above).
  define: { "import.meta.url": "__peersync_import_meta_url" },
  banner: { js: 'const __peersync_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: true,
  logLevel: "warning",
});
for (const dir of ["schema", "migrations"]) cpSync(join("dist/src/index", dir), join(OUT, dir), { recursive: true });
// fs/stat-pool.ts starts new URL("./lstat-worker.js", import.meta.url) as a worker.
writeFileSync(join(OUT, "lstat-worker.js"), 'import "../fs/lstat-worker.js";\n');

const warm = mkdtempSync(join(tmpdir(), "peersync-bundle-"));
try {
  // Peer b at a closed port on loopback: the run's push fails at once (connection refused).
  writeFileSync(join(warm, "g.key"), `${"k".repeat(64)}\n`, { mode: 0o600 });
  writeFileSync(join(warm, "peersync.cfg"), `group g {\n  host a b@127.0.0.1:1;\n  key ${join(warm, "g.key")};\n  include ${join(warm, "tree")};\n}\n`);
  mkdirSync(join(warm, "tree", "d"), { recursive: true });
  writeFileSync(join(warm, "tree", "d", "x"), "x");
  writeFileSync(join(warm, "tree", "y"), "y");
  const env = { ...process.env };
  delete env.PEERSYNC_NO_BUNDLE;
  const peersync = (args, extraEnv = {}) =>
    spawnSync(process.execPath, ["bin/peersync", "--config", join(warm, "peersync.cfg"), "-N", "a", "-D", join(warm, "state"), ...args], { env: { ...env, ...extraEnv }, encoding: "utf8" });
  // Without the bundle (so no cache yet): the tree recorded, the directories' digests kept.
  const first = peersync(["check"], { PEERSYNC_NO_BUNDLE: "1" });
  if (first.status !== 0) throw new Error(`bundle: the warm-up check failed: ${first.stderr}`);
  writeFileSync(join(warm, "tree", "d", "x"), "x2");
  // The run that writes the cache: a check that skips one directory and records a change in
  // another, then a push that cannot connect (exit 4, peers not reached).
  const r = peersync(["sync"]);
  if (r.status !== 4) throw new Error(`bundle: the warm-up sync exited ${r.status}: ${r.stderr}`);
} finally {
  rmSync(warm, { recursive: true, force: true });
}
const cached = readdirSync(OUT).some((name) => name.endsWith(".cache"));
console.log(`bundle: ${join(OUT, "peersync.cjs")}${cached ? ", code cache written" : ", NO code cache (see bin/peersync)"}`);
