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
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

// --- Matching: which files of a real tree belong to a group ---------------------------------
// csync2 -cIr ROOT walks ROOT and records every file its include/exclude patterns select
// (init run: no dirty rows); csync2 -L lists them (prefix-encoded). peersync walks the same
// tree from Group.roots with Group.match and must select exactly the same names. Pattern sets: hand-written cases plus seeded random ones.

const TREE = [
  "etc/hosts", "etc/hosts~", "etc/apache2", "etc/nginx/nginx.conf", "etc/nginx/old.bak", "etc/nginx/sites/x.conf",
  "etc/nginx/sites/.hidden", "etc/ssl/private/k.pem", "etc/ssl/certs/c.pem", "srv/www/index.html", "srv/www/cache/c",
  "srv/www/a/b/deep.html", "srv/www/a/.git", "home/bob/notes", "home/bob/temp/t", "home/bob/.bashrc", "home/alice/x",
];

const HAND_SETS: readonly string[][] = [
  ["+/R/etc/hosts", "+/R/etc/nginx/*.conf", "+/R/etc/nginx/sites", "+/R/etc/ssl", "-/R/etc/ssl/private",
    "+/R/etc/ssl/private/k.pem", "+%www%", "-%www%/cache", "+/R/home/*/notes", "+/R/home/**/t", "-*~", "-.*"],
  ["+/R/etc", "-/R/etc/nginx", "+nginx.conf"],
  ["+/R/*", "-/R/srv", "-*.pem", "+k.pem"],
  ["+/R/etc/apache", "+/R/srv/**.html"],
  ["+/R/home/[ab]*", "-/R/home/bob/temp/"],
  ["+/R/etc/nginx/sites/", "+/R/etc/ssl/*/*.pem", "-.hidden"],
];

const SEGMENTS = ["etc", "nginx", "sites", "ssl", "srv", "www", "home", "bob", "*", "**", "?", "*.conf", "[a-m]*", "x.conf", "c*"];
const BASENAMES = ["*~", ".*", "*.pem", "*.conf", "c", "t*", "[!.]*"];

function randomSets(count: number, seed: number): string[][] {
  let s = seed;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  const sets: string[][] = [];
  for (let i = 0; i < count; i++) {
    const set: string[] = [];
    for (let j = 0, n = 1 + rnd(5); j < n; j++) {
      const sign = rnd(3) === 0 ? "-" : "+";
      if (rnd(4) === 0) set.push(`${sign}${BASENAMES[rnd(BASENAMES.length)]}`);
      else if (rnd(5) === 0) set.push(`${sign}%www%${rnd(2) === 0 ? "" : `/${SEGMENTS[rnd(SEGMENTS.length)]}`}`);
      else set.push(`${sign}/R/${Array.from({ length: 1 + rnd(3) }, () => SEGMENTS[rnd(SEGMENTS.length)]).join("/")}`);
    }
    sets.push(set);
  }
  return sets;
}

function matchConfig(root: string, set: readonly string[]): string {
  const lines = set.map((p) => `  ${p.startsWith("+") ? "include" : "exclude"} "${p.slice(1).replace("/R/", `${root}/`)}";`);
  return `prefix www { on *: ${root}/srv/www; }\ngroup g {\n  host a b;\n  key keys/good.key;\n${lines.join("\n")}\n}\n`;
}

function csync2Selection(dir: string, root: string): string[] {
  const env = { ...process.env, CSYNC2_SYSTEM_DIR: dir };
  rmSync(join(dir, "db"), { recursive: true, force: true });
  mkdirSync(join(dir, "db"));
  const base = ["-C", "t", "-N", "a", "-D", join(dir, "db")];
  const check = spawnSync(CSYNC2, [...base, "-cIr", root], { cwd: dir, env, encoding: "utf8", timeout: 10_000 });
  assert.equal(check.status, 0, `csync2 -cIr: ${check.stderr}`);
  const list = spawnSync(CSYNC2, [...base, "-L"], { cwd: dir, env, encoding: "utf8", timeout: 10_000 });
  assert.ok(list.status === 0 || list.status === 2, `csync2 -L: ${list.stderr}`);
  return list.stdout.split("\n").filter((l) => l !== "").map((l) => l.slice(l.indexOf("\t") + 1)).sort();
}

// Like the scanner: start at each of Group.roots (mapped to disk with toLocalPath), name
// children by joining logical names (csync2 matches what it walks under the name it walked:
// absolute below an absolute root, prefix-encoded below %prefix%), and descend unless "ignore".
function peersyncSelection(dir: string): string[] {
  const config = loadConfig({ configFile: join(dir, "csync2_t.cfg"), nodeName: "a", stateDir: join(dir, "state") });
  const group = config.groups[0];
  assert.ok(group !== undefined);
  const selected = new Set<string>();
  const walk = (logical: string, local: string): void => {
    if (!existsSync(local)) return;
    const verdict = group.match(logical);
    if (verdict === "match") selected.add(logical);
    if (verdict === "ignore") return;
    let names: string[] = [];
    try {
      names = readdirSync(local);
    } catch {
      return; // a file, or a root that does not exist
    }
    for (const name of names) walk(`${logical}/${name}`, join(local, name));
  };
  for (const root of group.roots) walk(root, config.toLocalPath(root));
  return [...selected].sort();
}

test("Group.match selects the same files of a real tree as csync2 -cIr, for hand-written and random pattern sets", () => {
  const dir = join(work, "match");
  const root = join(dir, "tree");
  for (const path of TREE) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), "");
  }
  cpSync(join(FIXTURES, "keys"), join(dir, "keys"), { recursive: true });
  for (const set of [...HAND_SETS, ...randomSets(Number(process.env.PEERSYNC_MATCH_SETS ?? 40), Number(process.env.PEERSYNC_MATCH_SEED ?? 2026))]) {
    writeFileSync(join(dir, "csync2_t.cfg"), matchConfig(root, set));
    assert.deepEqual(peersyncSelection(dir), csync2Selection(dir, root), `patterns: ${set.join(" ")}`);
  }
});
