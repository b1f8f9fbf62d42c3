// Scenario (DESIGN.md §1): one upload node and four receive-only web nodes `(web1)`…, every
// daemon in continuous mode (`watch yes`, the default). A file written on the upload node is
// on every web node within about a second, with nobody running `peersync sync`; a web node
// added to the config later (SIGHUP on the upload node) gets the whole tree on first contact.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup, freePort, startDaemon, type DaemonProcess } from "../helpers/daemon.js";
import { waitFor } from "../helpers/watch.js";
import { FAST_ENV, snapshot, type Cluster } from "../integration/sync-cluster.js";
import { makeScenarioCluster, READY_TIMEOUT_MS } from "./cluster.js";

const WEBS = ["web1", "web2", "web3", "web4"] as const;
let c: Cluster;
let web5: DaemonProcess | undefined;

before(async () => {
  c = await makeScenarioCluster(["upload", ...WEBS], { receiveOnly: [...WEBS], watch: true });
});
after(async () => {
  await Promise.all([c?.stop(), web5?.stop()]);
  if (c) cleanup(c.dir);
});

const upload = () => c.nodes["upload"]!;
const ready = (d: DaemonProcess | undefined) => d!.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", READY_TIMEOUT_MS);
const onWeb = (root: string, rel: string, text: string) => {
  const p = join(root, rel);
  return existsSync(p) && readFileSync(p, "utf8") === text;
};

test("upload-farm: a file written on the upload node reaches every web node within about a second", async () => {
  await Promise.all(Object.values(c.nodes).map((n) => ready(n.daemon)));
  // A first batch: a tree of uploads, as a CMS writes them.
  for (let d = 0; d < 5; d++) {
    mkdirSync(join(upload().root, `2026/${d}`), { recursive: true });
    for (let f = 0; f < 10; f++) writeFileSync(join(upload().root, `2026/${d}/img-${f}.jpg`), `image ${d}/${f} `.repeat(50 + f));
  }
  const everywhere = () => WEBS.every((w) => JSON.stringify(snapshot(c.nodes[w]!.root)) === JSON.stringify(snapshot(upload().root)));
  assert.ok(await waitFor(everywhere, 30_000), "the batch reached every web node");

  const latencies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const text = `upload ${i} at ${t0}`;
    writeFileSync(join(upload().root, `new-${i}.jpg`), text);
    const all = () => WEBS.every((w) => onWeb(c.nodes[w]!.root, `new-${i}.jpg`, text));
    assert.ok(await waitFor(all, 10_000), `new-${i}.jpg on every web node`);
    latencies.push(Date.now() - t0);
  }
  console.log(`# upload → on all 4 web nodes (ms): ${latencies.join(", ")} (load ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]})`);
  // ~1 s is the design target (bench/latency.ts measures it); this bound only says "pushed by
  // the watcher, not by a periodic check", on a machine shared with other test runs.
  assert.ok(Math.min(...latencies) < 5_000, latencies.join(", "));
  for (const w of WEBS) assert.deepEqual(snapshot(c.nodes[w]!.root), snapshot(upload().root), w);
});

test("upload-farm: a web node added to the config gets the whole tree on first contact", async () => {
  const root5 = join(c.dir, "web5", "tree");
  mkdirSync(root5, { recursive: true });
  const port5 = await freePort();
  const before = readFileSync(c.configFile, "utf8");
  const after = before
    .replace(/^prefix data \{ (.*) \}$/m, (_m, on: string) => `prefix data { ${on} on web5: ${root5}; }`)
    .replace(/^(  host .*);$/m, (_m, hosts: string) => `${hosts} (web5@127.0.0.1:${port5});`);
  assert.notEqual(after, before);
  writeFileSync(c.configFile, after);
  web5 = await startDaemon({ name: "web5", configFile: c.configFile, stateDir: join(c.dir, "web5", "state"), env: FAST_ENV, readyTimeoutMs: READY_TIMEOUT_MS });
  await ready(web5);
  const mark = upload().daemon!.mark();
  for (const n of Object.values(c.nodes)) n.daemon!.signal("SIGHUP");
  await upload().daemon!.waitForLog((r) => r.msg === "config reloaded", 10_000, mark);
  const marked = await upload().daemon!.waitForLog((r) => typeof r.msg === "string" && r.msg.startsWith('new peer "web5"'), 10_000, mark);
  assert.ok(Number(marked.entries) >= 50, `whole group marked for web5: ${String(marked.entries)}`);
  assert.ok(await waitFor(() => JSON.stringify(snapshot(root5)) === JSON.stringify(snapshot(upload().root)), 30_000), "web5 has the whole tree");
  // Nobody else was sent anything again: the old web nodes had it all.
  const resent = upload().daemon!.logsSince(mark).filter((r) => r.msg === "new peer" || (typeof r.msg === "string" && /new peer "web[1-4]"/.test(r.msg)));
  assert.deepEqual(resent, []);
  // And from now on web5 receives like the others.
  writeFileSync(join(upload().root, "after-web5.jpg"), "for everyone");
  assert.ok(await waitFor(() => [...WEBS.map((w) => c.nodes[w]!.root), root5].every((r) => onWeb(r, "after-web5.jpg", "for everyone")), 10_000));
});
