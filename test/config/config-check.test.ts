// `peersync config-check` end to end on fixture files: what it prints for a valid config (human
// and --json) and that it lists every error of an invalid one with exit code 1.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/commands/config-check.js";
import type { GlobalOptions } from "../../src/cli/context.js";
import { ExitCode } from "../../src/cli/exit-codes.js";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/config");

async function check(configFile: string, nodeName: string, json = false): Promise<{ code: number; out: string[]; err: string[] }> {
  const options: GlobalOptions = {
    configFile, nodeName, json, stateDir: undefined, port: undefined, verbose: 0, dryRun: false, recursive: false, groups: undefined, peers: undefined,
  };
  const out: string[] = [];
  const err: string[] = [];
  const code = await run({ options, out: (l) => out.push(l), err: (l) => err.push(l) }, [], {});
  return { code, out, err };
}

const work = mkdtempSync(join(tmpdir(), "peersync-config-check-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("config-check prints the groups, peers and roots of node1 in the fleet config", async () => {
  const r = await check(join(FIXTURES, "v01-fleet.cfg"), "node1");
  assert.equal(r.code, ExitCode.OK);
  const text = r.out.join("\n");
  assert.match(text, /^group all$/m);
  assert.match(text, /^group lb$/m);
  assert.match(text, /peer {5}node3:30865 \(receive-only\)/);
  assert.match(text, /root {5}\/etc\/nginx/);
  assert.match(text, /action {3}"systemctl reload nginx" on \/etc\/nginx\/\*, also local/);
});

test("config-check says where this node's daemon listens: its host entry's address and port", async () => {
  const file = join(work, "ports.cfg");
  copyFileSync(join(FIXTURES, "keys/good.key"), join(work, "good.key"));
  writeFileSync(file, "group g {\n  host a@127.0.0.1:41101 b@127.0.0.2:41102;\n  key good.key;\n  include /srv;\n}\n");
  const r = await check(file, "a");
  assert.equal(r.code, ExitCode.OK, r.err.join("\n"));
  assert.match(r.out.join("\n"), /^node a, listens on 127\.0\.0\.1:41101, state dir /m);
  assert.match(r.out.join("\n"), /^ {2}backup {3}\/\S+\/backup, 3 generation\(s\)$/m, "the default backup directory, under the state dir");
});

test("config-check notes an include line whose ** the walk never follows into directories", async () => {
  const file = join(work, "shallow.cfg");
  copyFileSync(join(FIXTURES, "keys/good.key"), join(work, "good.key"));
  writeFileSync(file, "group g {\n  host a b;\n  key good.key;\n  include /srv/**.conf;\n  include /etc/**/x.conf;\n}\n");
  const r = await check(file, "a");
  assert.equal(r.code, ExitCode.OK, r.err.join("\n"));
  const notes = r.out.filter((l) => l.startsWith("note: "));
  assert.deepEqual(notes.map((l) => l.replace(/ only: .*/, "")), ["note: group g: include /srv/**.conf takes files in /srv"]);
  const json = await check(file, "a", true);
  assert.match((JSON.parse(json.out.join("\n")) as { notes: string[] }).notes.join("\n"), /include \/srv\/\*\*\.conf takes files in \/srv only/);
});

test("config-check maps prefix roots to this node's directories", async () => {
  const r = await check(join(FIXTURES, "v03-prefix-block.cfg"), "web2");
  assert.equal(r.code, ExitCode.OK);
  assert.match(r.out.join("\n"), /root {5}%www% -> \/var\/www/);
});

test("config-check --json gives groups with roots in both forms", async () => {
  const r = await check(join(FIXTURES, "v03-prefix-block.cfg"), "web1", true);
  assert.equal(r.code, ExitCode.OK);
  const doc = JSON.parse(r.out.join("\n")) as { ok: boolean; groups: { name: string; roots: { logical: string; local: string }[] }[] };
  assert.equal(doc.ok, true);
  assert.deepEqual(doc.groups[0]?.roots[0], { logical: "%www%", local: "/srv/www" });
});

test("config-check lists every error with its position and hint, and exits 1", async () => {
  const file = join(work, "bad.cfg");
  copyFileSync(join(FIXTURES, "keys/good.key"), join(work, "good.key"));
  writeFileSync(file, "group g {\n  host a a;\n  key good.key;\n  auto youngr;\n  exlude /x;\n}\n");
  const r = await check(file, "a");
  assert.equal(r.code, ExitCode.ERROR);
  assert.deepEqual(r.err.filter((l) => l.startsWith(file)).map((l) => l.slice(file.length + 1).split(":").slice(0, 2).join(":")), ["2:10", "4:8", "5:3"]);
  assert.ok(r.err.includes('  hint: did you mean "younger"?'));
  assert.equal(r.err.at(-1), "3 errors found");
});

test("config-check --json reports errors as objects with file, line, column, message and hint", async () => {
  const r = await check(join(FIXTURES, "e01-auto-youngr.cfg"), "a", true);
  assert.equal(r.code, ExitCode.ERROR);
  const doc = JSON.parse(r.out.join("\n")) as { ok: boolean; errors: { line: number; column: number; message: string; hint: string }[] };
  assert.equal(doc.ok, false);
  assert.deepEqual(doc.errors.map((e) => [e.line, e.column, e.hint]), [[8, 8, 'did you mean "younger"?']]);
  assert.match(doc.errors[0]?.message ?? "", /^Cannot use auto policy "youngr"/);
});

test("config-check reports a config file that does not exist", async () => {
  const r = await check(join(work, "nope.cfg"), "a");
  assert.equal(r.code, ExitCode.ERROR);
  assert.match(r.err[0] ?? "", /Cannot read config file ".*nope\.cfg": no such file/);
});
