// The service files in etc/ say what they do: systemd units verify (when systemd-analyze is
// installed), the daemon unit is sandboxed, the cron line runs a real command and a second run
// exits at once with the status the comments promise, logrotate covers the examples' logfiles.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { writeTestConfig } from "../../src/index/testing.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const ETC = join(REPO, "etc");
const BIN = join(REPO, "bin/peersync");
const work = mkdtempSync(join(tmpdir(), "peersync-etc-"));
after(() => rmSync(work, { recursive: true, force: true }));

const read = (rel: string) => readFileSync(join(ETC, rel), "utf8");
const UNITS = ["peersync.service", "peersync-sync.service", "peersync-sync.timer"];

test("systemd units pass systemd-analyze verify", { skip: spawnSync("systemd-analyze", ["--version"]).error ? "systemd-analyze is not installed" : false }, () => {
  const dir = join(work, "units");
  mkdirSync(dir);
  // ExecStart must name an existing executable: point it at the checkout's bin/peersync.
  for (const u of UNITS) writeFileSync(join(dir, u), read(`systemd/${u}`).replaceAll("/usr/bin/peersync", BIN));
  cpSync(join(ETC, "systemd/peersync.service.d"), join(dir, "peersync.service.d"), { recursive: true });
  const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...UNITS.map((u) => join(dir, u))], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), "");
});

test("the daemon unit is sandboxed yet can write its state, logs and backups", () => {
  const unit = read("systemd/peersync.service");
  for (const line of ["ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "StateDirectory=peersync", "LogsDirectory=peersync",
    "ReadWritePaths=/var/backups/peersync", "ExecStart=/usr/bin/peersync daemon"]) {
    assert.match(unit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"), line);
  }
  assert.match(read("systemd/peersync.service.d/roots.conf"), /^\[Service\]\nReadWritePaths=/m);
});

test("systemctl reload waits for the daemon's answer: a reload the daemon refuses fails the unit's reload", () => {
  const unit = read("systemd/peersync.service");
  const reloads = unit.split("\n").filter((l) => l.startsWith("ExecReload=")).map((l) => l.slice("ExecReload=".length));
  // One command that signals the daemon and exits 1 with its reason when it refuses
  // (test/integration/reload-state-dir.test.ts runs it against a daemon); a bare `kill -HUP`
  // always succeeded, and a config-check beside it never saw a moved state-dir.
  assert.deepEqual(reloads, ["/usr/bin/peersync reload --pid $MAINPID"]);
  // Where the daemon keeps its answer: the RUNTIME_DIRECTORY both ExecStart and ExecReload get.
  assert.match(unit, /^RuntimeDirectory=peersync$/m);
  const help = spawnSync(process.execPath, [BIN, "help", "reload"], { encoding: "utf8", timeout: 20_000 });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--pid <pid>/);
});

function cronCommands(): string[] {
  return read("cron.d/peersync").split("\n")
    .filter((l) => /^[*0-9]/.test(l))
    .map((l) => {
      const fields = l.split(/\s+/);
      assert.ok(fields.length >= 7, `5 time fields, a user and a command: ${l}`);
      assert.equal(fields[5], "root");
      return fields.slice(6).join(" ");
    });
}

test("the cron line runs peersync sync, and a run while another holds the lock exits 6 at once (-x: 1)", () => {
  assert.deepEqual(cronCommands(), ["peersync sync"]);
  const root = join(work, "tree");
  mkdirSync(root);
  const cfg = writeTestConfig(join(work, "cfg"), { include: [root] });
  const state = join(work, "state");
  mkdirSync(state);
  // A live pid holds the lock: this test's own.
  writeFileSync(join(state, "sync.lock"), `${process.pid}\n`);
  const run = (args: string[]) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [BIN, "--config", cfg, "-N", "a", "-D", state, ...args], { encoding: "utf8", timeout: 20_000 });
    return { code: r.status, err: r.stderr, ms: Date.now() - started };
  };
  const sync = run(["sync"]);
  assert.equal(sync.code, 6, sync.err);
  assert.match(sync.err, new RegExp(`another run \\(pid ${process.pid}\\) holds`));
  assert.ok(sync.ms < 10_000, `exits at once (${sync.ms} ms)`);
  assert.equal(run(["-x"]).code, 1);
});

test("logrotate covers the action logfiles of every example", () => {
  const rotate = read("logrotate.d/peersync");
  assert.match(rotate, /^\/var\/log\/peersync\/\*\.log \{$/m);
  for (const f of readdirSync(join(ETC, "examples"))) {
    for (const m of read(`examples/${f}`).matchAll(/^\s*logfile (\S+);/gm)) assert.match(m[1]!, /^\/var\/log\/peersync\/[^/]+\.log$/, f);
  }
});
