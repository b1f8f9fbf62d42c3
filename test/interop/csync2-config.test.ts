// Differential test: Debian's csync2 and peersync read the same config files and must agree on
// which are valid, except where peersync is deliberately stricter (s*-files, listed in
// man/peersync.cfg.5 under STRICTER THAN CSYNC2) or a file uses our extensions (x*-files).
//
// The probe. csync2 has no "check the config" mode, but every mode parses the whole config
// (and reads every key file) first, and -M (list dirty files) does nothing else but open the
// database. With -C NAME csync2 reads $CSYNC2_SYSTEM_DIR/csync2_NAME.cfg (csync2.c main(): the
// system dir is $CSYNC2_SYSTEM_DIR, else /etc; relative key paths are read from it too), and
// -D DIR puts the database in DIR. So for each fixture we build a temp system dir holding
// csync2_t.cfg (the fixture), keys/ and parts/, and run, with that dir as working directory
// (csync2 opens `config` includes relative to it):
//     CSYNC2_SYSTEM_DIR=$tmp csync2 -C t -N <node> -D $tmp/db -M
// Exit 0 (dirty files listed) or 2 (none) = config accepted; 1 = rejected (message on stderr).
// peersync reads the same file with loadConfig({ configFile, nodeName }).
//
// Each fixture starts with "# node:", "# csync2:", "# peersync:" and "# why:" lines; the test
// checks both verdicts against them, so the list in the final report and the man page stays true.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigErrors } from "../../src/errors.js";
import { loadConfig } from "../../src/config/load.js";

// dist/test/interop → the repo's test/fixtures/config (fixtures are not copied into dist).
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = join(REPO, "test/fixtures/config");
const CSYNC2 = "csync2";

type Verdict = "accept" | "reject";
interface Fixture {
  readonly file: string;
  readonly node: string;
  readonly csync2: Verdict;
  readonly peersync: Verdict;
  readonly why: string;
}

function header(text: string, key: string): string {
  const m = new RegExp(`^# ${key}: (.*)$`, "m").exec(text);
  if (m === null) throw new Error(`fixture lacks a "# ${key}:" line`);
  return (m[1] as string).trim();
}

function fixtures(): Fixture[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".cfg"))
    .sort()
    .map((file) => {
      const text = readFileSync(join(FIXTURES, file), "utf8");
      return {
        file,
        node: header(text, "node"),
        csync2: header(text, "csync2") as Verdict,
        peersync: header(text, "peersync") as Verdict,
        why: header(text, "why"),
      };
    });
}

const work = mkdtempSync(join(tmpdir(), "peersync-csync2-config-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A csync2 system dir for one fixture: csync2_t.cfg + keys/ + parts/. */
function systemDir(f: Fixture): string {
  const dir = join(work, f.file.replace(/\.cfg$/, ""));
  mkdirSync(join(dir, "db"), { recursive: true });
  cpSync(join(FIXTURES, "keys"), join(dir, "keys"), { recursive: true });
  cpSync(join(FIXTURES, "parts"), join(dir, "parts"), { recursive: true });
  writeFileSync(join(dir, "csync2_t.cfg"), readFileSync(join(FIXTURES, f.file)));
  return dir;
}

function csync2Verdict(dir: string, node: string): { verdict: Verdict; output: string } {
  const r = spawnSync(CSYNC2, ["-C", "t", "-N", node, "-D", join(dir, "db"), "-M"], {
    cwd: dir,
    env: { ...process.env, CSYNC2_SYSTEM_DIR: dir },
    encoding: "utf8",
    timeout: 10_000,
  });
  if (r.error !== undefined) throw new Error(`Cannot run csync2 (make test installs it): ${r.error.message}`);
  const output = `${r.stdout}${r.stderr}`.trim();
  if (r.status === 0 || r.status === 2) return { verdict: "accept", output };
  if (r.status === 1) return { verdict: "reject", output };
  throw new Error(`csync2 exited with ${r.status} (signal ${r.signal}): ${output}`);
}

function peersyncVerdict(dir: string, node: string): { verdict: Verdict; output: string } {
  try {
    loadConfig({ configFile: join(dir, "csync2_t.cfg"), nodeName: node, stateDir: join(dir, "state") });
    return { verdict: "accept", output: "" };
  } catch (err) {
    if (err instanceof ConfigErrors) return { verdict: "reject", output: err.message };
    throw err;
  }
}

const all = fixtures();

test("the fixture set has at least 15 configs, valid and invalid, and documents every exception", () => {
  assert.ok(all.length >= 15);
  assert.ok(all.some((f) => f.csync2 === "accept") && all.some((f) => f.csync2 === "reject"));
  for (const f of all) {
    const stricter = f.file.startsWith("s");
    const extension = f.file.startsWith("x");
    if (f.csync2 === f.peersync) assert.ok(!stricter && !extension, `${f.file}: only s*/x* files may differ`);
    else if (stricter) assert.ok(f.csync2 === "accept" && f.peersync === "reject" && f.why.startsWith("stricter:"), f.file);
    else assert.ok(extension && f.csync2 === "reject" && f.peersync === "accept" && f.why.startsWith("extension:"), f.file);
  }
});

test("every stricter case is listed in man/peersync.cfg.5", () => {
  const man = readFileSync(join(REPO, "man/peersync.cfg.5"), "utf8").replaceAll("\\-", "-");
  for (const f of all.filter((x) => x.file.startsWith("s"))) {
    assert.ok(man.includes(f.file), `man/peersync.cfg.5 does not mention ${f.file}`);
  }
});

for (const f of all) {
  const relation = f.csync2 === f.peersync ? `both ${f.csync2}` : `csync2 ${f.csync2}s, peersync ${f.peersync}s`;
  test(`csync2 and peersync read ${f.file}: ${relation} (${f.why})`, () => {
    const dir = systemDir(f);
    const theirs = csync2Verdict(dir, f.node);
    const ours = peersyncVerdict(dir, f.node);
    assert.equal(theirs.verdict, f.csync2, `csync2 said: ${theirs.output}`);
    assert.equal(ours.verdict, f.peersync, `peersync said: ${ours.output}`);
  });
}
