// SIGHUP after the config's state-dir was changed: a running daemon cannot move its open index
// and identity. It once took the new directory anyway for its pushes, made a second identity
// there and presented it to peers, which refused it as a changed certificate (and told the
// operator to reset the pin). Now the reload is refused, said so with how to move a state dir,
// and the daemon goes on as it was: same identity, serving and pushing.
//
// The refusal was only in the journal: `systemctl reload` (a bare SIGHUP) reported success. Its
// ExecReload, `peersync reload --pid $MAINPID`, now waits for the daemon's answer and fails
// with the daemon's reason, and succeeds when the daemon took the config.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, freePort, runCli, startDaemon, tempDir, writeKey, type DaemonProcess } from "../helpers/daemon.js";
import { FAST_ENV } from "./sync-cluster.js";

const dir = tempDir("reload-state-dir");
let daemons: DaemonProcess[] = [];
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  cleanup(dir);
});

test("a reload that moves the state dir is refused, and the daemon goes on with its identity", async () => {
  const key = writeKey(dir, "g.key", "reload-state-dir");
  const [portA, portB] = [await freePort(), await freePort()];
  for (const n of ["a", "b"]) mkdirSync(join(dir, n, "tree"), { recursive: true });
  const group = (stateDir: string): string => [
    `state-dir ${stateDir};`,
    `prefix data { on a: ${join(dir, "a", "tree")}; on b: ${join(dir, "b", "tree")}; }`,
    "group g {",
    `  host a@127.0.0.1:${portA} b@127.0.0.1:${portB};`,
    `  key ${key};`,
    "  include %data%;",
    "}",
    "",
  ].join("\n");
  const cfgA = join(dir, "a.cfg");
  const stateA = join(dir, "a", "state");
  const movedA = join(dir, "a", "state-moved");
  writeFileSync(cfgA, group(stateA));
  const cfgB = join(dir, "b.cfg");
  writeFileSync(cfgB, group(join(dir, "b", "state")));
  const env = { ...FAST_ENV };
  const a = await startDaemon({ name: "a", configFile: cfgA, stateDir: stateA, stateDirInConfig: true, env });
  daemons.push(a);
  const b = await startDaemon({ name: "b", configFile: cfgB, stateDir: join(dir, "b", "state"), stateDirInConfig: true, env });
  daemons.push(b);
  const identityA = readFileSync(join(stateA, "identity.pem"), "utf8");

  writeFileSync(join(dir, "a", "tree", "before.txt"), "pushed before the reload\n");
  await waitFor(() => existsSync(join(dir, "b", "tree", "before.txt")), "a's daemon pushes");

  // As the systemd unit's ExecReload runs it: the daemon's pid, in the unit's RuntimeDirectory.
  const reload = () => runCli(["reload", "--pid", String(a.pid)], { RUNTIME_DIRECTORY: a.runtimeDir });
  writeFileSync(cfgA, group(movedA));
  const mark = a.mark();
  const answered = await reload();
  assert.equal(answered.code, 1, `the reload fails:\n${answered.stdout}${answered.stderr}`);
  assert.match(answered.stderr, new RegExp(`Cannot reload the config: its state-dir changed from ${stateA} to ${movedA}`));
  assert.match(answered.stderr, new RegExp(`hint: to move the state dir, stop the daemon, move the files of ${stateA} to ${movedA}`));
  assert.equal(answered.stderr.split("state-dir changed").length - 1, 1, answered.stderr);
  const refused = await a.waitForLog((r) => /config reload refused/.test(r.msg ?? ""), 10_000, mark);
  assert.match(refused.msg ?? "", new RegExp(`state-dir changed from ${stateA} to ${movedA}.*stop the daemon, move the files of ${stateA} to ${movedA}`));
  assert.ok(!a.logsSince(mark).some((r) => r.msg === "config reloaded"), "the old config stays");
  assert.ok(!existsSync(join(movedA, "identity.pem")), "no second identity is made");

  // It goes on: pushes with the identity peers pinned, and serves.
  writeFileSync(join(dir, "a", "tree", "after.txt"), "pushed after the refused reload\n");
  await waitFor(() => existsSync(join(dir, "b", "tree", "after.txt")), `a's daemon still pushes:\n${a.logText()}`);
  assert.equal(readFileSync(join(stateA, "identity.pem"), "utf8"), identityA);
  assert.ok(!b.logText().includes("certificate changed"), b.logText());
  const compared = await runCli(["-N", "b", "--config", cfgB, "test"], env);
  assert.equal(compared.code, 2, compared.stderr);

  // A config with errors fails the reload with them; the state dir put back, it succeeds.
  writeFileSync(cfgA, group(stateA).replace(/\}\s*$/, "  bogus-keyword;\n}\n"));
  const broken = await reload();
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.match(broken.stderr, /Cannot reload the config: .*bogus-keyword/);
  writeFileSync(cfgA, group(stateA));
  const took = await reload();
  assert.equal(took.code, 0, took.stdout + took.stderr);
  assert.match(took.stdout, new RegExp(`^daemon ${a.pid} \\(node a\\): config reloaded \\(groups: g\\)$`, "m"));
  await a.waitForLog((r) => r.msg === "config reloaded", 5000, mark);
});

async function waitFor(ok: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 50));
  }
}
