// Continuous mode end to end, the upload-farm path: node a runs the daemon services in this
// process (watch → check → push through the sync engine's runUpdate), node b is a real
// `peersync daemon` receiving. A file written on a must be on b within about a second, and the
// metrics and the status board must say so.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";
import { runCheck } from "../../src/index/check-run.js";
import { openIndex, type Db } from "../../src/index/database.js";
import { readDaemonFacts } from "../../src/status/board.js";
import { startDaemonServices, updatePush, type DaemonServices } from "../../src/watch/daemon-services.js";
import { cleanup, freePort, startDaemon, tempDir, writeKey, type DaemonProcess } from "../helpers/daemon.js";
import { capturedLogger, waitFor } from "../helpers/watch.js";

const dir = tempDir("watch-sync");
const rootA = join(dir, "www-a");
const rootB = join(dir, "www-b");
let b: DaemonProcess | undefined;
let services: DaemonServices | undefined;
let db: Db | undefined;
let config: Config | undefined;

before(async () => {
  mkdirSync(rootA);
  mkdirSync(rootB);
  writeFileSync(join(rootA, "existing.txt"), "already here");
  const [portA, portB] = [await freePort(), await freePort()];
  const cfg = join(dir, "cluster.cfg");
  writeFileSync(cfg, [
    `prefix www {\n  on a: ${rootA};\n  on b: ${rootB};\n}`,
    "group farm {",
    `  host a@127.0.0.1:${portA} (b@127.0.0.1:${portB});`,
    `  key ${writeKey(dir, "farm.key")};`,
    "  include %www%;",
    "  debounce 100ms;",
    "}",
  ].join("\n") + "\n");
  b = await startDaemon({ name: "b", configFile: cfg, stateDir: join(dir, "b") });
  config = loadConfig({ configFile: cfg, nodeName: "a", stateDir: join(dir, "a") });
  db = openIndex(config.stateDir);
  services = await startDaemonServices({ config, db, logger: capturedLogger().logger, metricsAddress: { host: "127.0.0.1", port: 0 } });
  await services.continuous!.ready;
});

after(async () => {
  await services?.stop();
  db?.close();
  await b?.stop();
  cleanup(dir);
});

test("daemon services: the initial check brings b what a has; a new file reaches b within about a second", async () => {
  assert.ok(await waitFor(() => existsSync(join(rootB, "existing.txt")), 5000), "initial push");
  const t0 = Date.now();
  writeFileSync(join(rootA, "upload.jpg"), "fresh upload");
  assert.ok(await waitFor(() => existsSync(join(rootB, "upload.jpg")) && readFileSync(join(rootB, "upload.jpg"), "utf8") === "fresh upload", 5000));
  const latency = Date.now() - t0;
  console.log(`# write on a → file on b: ${latency} ms (debounce 100 ms)`);
  assert.ok(latency < 2000, `${latency} ms`);
});

// The watcher hands names over as UTF-8 strings, with U+FFFD for bytes that are not UTF-8: such
// an event named nothing on disk, and the file waited for the next full check. Worse, the
// push's torn-write guard looked such a file up by its escaped name, found it gone, and held
// it back at every push, full checks included: continuous mode never sent it at all.
test("daemon services: a file whose name is not UTF-8, and one below such a directory, reach b as quickly", async () => {
  const bytes = (root: string, name: string): Buffer => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(name, "latin1")]);
  writeFileSync(bytes(rootA, "caf\xe9.jpg"), "latin-1 name");
  mkdirSync(bytes(rootA, "d\xe9j\xe0"));
  writeFileSync(bytes(rootA, "d\xe9j\xe0/vu.txt"), "below a latin-1 directory");
  const arrived = (name: string, text: string) => existsSync(bytes(rootB, name)) && readFileSync(bytes(rootB, name), "utf8") === text;
  assert.ok(await waitFor(() => arrived("caf\xe9.jpg", "latin-1 name") && arrived("d\xe9j\xe0/vu.txt", "below a latin-1 directory"), 5000));
});

test("daemon services: /metrics and the status board record the peer", async () => {
  const port = services!.metricsServer!.address.port;
  // b writes the file before it answers; a clears the pending row and counts the push after.
  let text = "";
  await waitFor(() => /^peersync_pending_entries\{group="farm",peer="b"\} 0$/m.test(text) && /^peersync_sent_files_total\{group="farm",peer="b"\} [1-9]/m.test(text), 5_000,
    async () => void (text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
  assert.match(text, /^peersync_peer_up\{group="farm",peer="b"\} 1$/m);
  assert.match(text, /^peersync_sent_files_total\{group="farm",peer="b"\} [1-9]/m);
  assert.match(text, /^peersync_pending_entries\{group="farm",peer="b"\} 0$/m, "drained, and still reported");
  services!.board.flush();
  const facts = readDaemonFacts(db!);
  assert.equal(facts?.peers.find((p) => p.peer === "b")?.lastError, undefined);
  assert.equal(typeof facts?.peers.find((p) => p.peer === "b")?.lastSyncMs, "number");
  assert.equal(facts?.watch[0]?.state, "watching");
});

test("daemon services: a push names the paths it could not send, for the loop to check again", async () => {
  // The loop re-checks a path the push could not send when its disk state moved since its check
  // (watch/pusher.ts); the engine's side of that is naming those paths. Without the watcher, a
  // file recorded and then removed unseen is what a lost inotify event leaves behind.
  await services!.stop();
  services = undefined;
  writeFileSync(join(rootA, "ghost.txt"), "recorded, then removed unseen");
  await runCheck(db!, config!, {});
  unlinkSync(join(rootA, "ghost.txt"));
  const failed = await updatePush({ config: config!, db: db!, logger: capturedLogger().logger })("farm", [], { sinceMs: undefined });
  assert.deepEqual(failed, ["%www%/ghost.txt"]);
});
