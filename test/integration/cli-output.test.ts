// What an operator sees from bin/peersync beyond the commands' own results: the progress line
// (drawn on a real pseudo-terminal made by util-linux `script`, never into a pipe), -q, shell
// completion (the bash script sourced in bash and its function called as bash would; the zsh
// script loaded by compinit), and csync2's -o, -S and -R on one node whose peer is down.

import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/peersync", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "peersync-out-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, "root");
const config = join(tmp, "peersync.cfg");
const state = join(tmp, "state");
const base = ["--config", config, "-N", "me", "-D", state];

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd: tmp, env: { ...process.env, PEERSYNC_CONNECT_TIMEOUT_MS: "1000", ...env } }, (_e, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

const peersync = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> => run(BIN, [...base, ...args], env);

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

function shellQuote(words: readonly string[]): string {
  return words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(" ");
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function writeConfig(text: string): void {
  writeFileSync(config, text);
}

let groupText = "";
before(async () => {
  mkdirSync(join(root, "conf"), { recursive: true });
  mkdirSync(join(root, "logs"), { recursive: true });
  writeFileSync(join(root, "index.html"), "hello\n");
  writeFileSync(join(root, "conf", "a.conf"), "a\n");
  writeFileSync(join(root, "conf", "b.conf"), "b\n");
  writeFileSync(join(root, "logs", "x.log"), "log\n");
  writeFileSync(join(tmp, "g.key"), `${"k".repeat(64)}\n`, { mode: 0o600 });
  groupText = `  host me other@127.0.0.1:${await closedPort()};\n  key ${join(tmp, "g.key")};\n`;
  writeConfig(`group g {\n${groupText}  include ${root};\n  compare ${root}/conf/*.conf;\n}\n`);
});

const ESC = /\r|\x1b\[/;

describe("progress and -q", () => {
  test("on a terminal, check draws a progress line on stderr and erases it", { skip: !has("script") && "util-linux script is not installed" }, async () => {
    // script(1) runs the command on a pseudo-terminal; its own output is what the terminal got.
    const r = await run("script", ["-qec", shellQuote([BIN, ...base, "check"]), "/dev/null"], { PEERSYNC_PROGRESS: "" });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /\rcheck: 0 files scanned\x1b\[K/);
    assert.match(r.stdout, /\r\x1b\[Kcheck \(full\): \d+ new/, "erased before the summary line");
  });

  test("not on a terminal, check and sync draw nothing (cron)", async () => {
    for (const args of [["check"], ["sync"], ["-d", "sync"]]) {
      const r = await peersync(args, { PEERSYNC_PROGRESS: "" });
      assert.doesNotMatch(r.stdout + r.stderr, ESC, `${args.join(" ")}: ${JSON.stringify(r.stderr)}`);
      assert.doesNotMatch(r.stderr, /files (scanned|done)/);
    }
  });

  test("PEERSYNC_PROGRESS=always draws into a pipe too; -q wins over it", async () => {
    const always = await peersync(["check"], { PEERSYNC_PROGRESS: "always" });
    assert.match(always.stderr, /\rcheck: 0\/\d+ files scanned\x1b\[K/);
    const quiet = await peersync(["-q", "check"], { PEERSYNC_PROGRESS: "always" });
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, "", ""]);
  });

  test("sync's progress counts pending rows and bytes", async () => {
    writeFileSync(join(root, "new.txt"), "x".repeat(3000));
    const r = await peersync(["sync"], { PEERSYNC_PROGRESS: "always" });
    assert.equal(r.code, 4, r.stderr); // the peer is down
    assert.match(r.stderr, /\rsync: 0\/\d+ files done, 0 B\/\d+\.\d KiB\x1b\[K/);
  });

  test("-q keeps errors and listings, mutes summaries; -q -v is refused", async () => {
    const sync = await peersync(["-q", "sync"]);
    assert.equal(sync.code, 4);
    assert.equal(sync.stdout, "");
    assert.match(sync.stderr, /unreachable: g\/other/);
    const list = await peersync(["-q", "list-db"]);
    assert.match(list.stdout, /index\.html/);
    const both = await peersync(["-q", "-v", "check"]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /Cannot use -q and -v together/);
  });
});

describe("shell completion", () => {
  before(async () => writeFileSync(join(tmp, "completion.bash"), (await run(BIN, ["completion", "bash"])).stdout));

  function bashComplete(words: readonly string[]): string[] {
    const line = [
      `source ${shellQuote([join(tmp, "completion.bash")])}`,
      `COMP_WORDS=(${shellQuote(words)}); COMP_CWORD=${words.length - 1}`,
      "_peersync",
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join("; ");
    const r = spawnSync("bash", ["-c", line], { cwd: tmp, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n").filter((w) => w !== "");
  }

  const cases: readonly [readonly string[], readonly string[]][] = [
    [["peersync", "list-"], ["list-pending", "list-db", "list-hints", "list-pair"]],
    [["peersync", "--config", "x.cfg", "-N", "a", "pr"], ["prune"]],
    [["peersync", "check", "--ch"], ["--checksum"]],
    [["peersync", "-N", "a", "sync", "--m"], ["--mark-forced"]],
    [["peersync", "status", "--no"], ["--no-probe", "--node-name"]],
    [["peersync", "--q"], ["--quiet"]],
    [["peersync", "completion", ""], ["bash", "zsh"]],
    [["peersync", "help", "imp"], ["import-csync2"]],
    [["peersync", "-N", ""], []],
    [["peersync", "check", "roo"], ["root"]],
    [["peersync", "--state-dir", "roo"], ["root"]],
  ];
  for (const [words, want] of cases) {
    test(`bash: "${words.join(" ")}" completes to ${JSON.stringify(want)}`, async () => {
      assert.deepEqual(bashComplete(words), want);
    });
  }

  test("bash: every subcommand and every option of the program is in the script", async () => {
    const script = (await run(BIN, ["completion", "bash"])).stdout;
    const help = (await run(BIN, ["--help"])).stdout;
    const section = help.split("Commands:")[1]!.split("csync2-style flags")[0]!;
    const commands = [...section.matchAll(/^ {2}([a-z][a-z0-9-]+)\b/gm)].map((m) => m[1]!);
    assert.ok(commands.includes("prune") && commands.includes("completion"), help);
    for (const c of commands) assert.match(script, new RegExp(`^    ${c}\\) `, "m"), c);
    for (const flag of help.matchAll(/^ {2}(?:-[a-zA-Z], )?(--[a-z-]+)/gm)) assert.ok(script.includes(flag[1]!), flag[1]);
  });

  test("zsh: the script is valid zsh and compinit registers it for peersync", { skip: !has("zsh") && "zsh is not installed" }, async () => {
    const script = (await run(BIN, ["completion", "zsh"])).stdout;
    const dir = join(tmp, "zfunc");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "_peersync"), script);
    assert.equal(spawnSync("zsh", ["-n", join(dir, "_peersync")]).status, 0);
    const r = spawnSync("zsh", ["-fc", `fpath=(${dir} $fpath); autoload -U compinit; compinit -u -d ${join(dir, "dump")}; print -r -- $_comps[peersync]`], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), "_peersync", r.stderr);
    for (const word of ["'prune:", "'completion:", "--checksum", "--no-probe", "'(-q --quiet)'", "_files -/"]) assert.ok(script.includes(word), word);
  });

  // zsh's own completion system on a pseudo-terminal (zsh/zpty): compadd is wrapped to print
  // each candidate it is given, TAB is pressed after the words, then the line is cleared.
  const CAPTURE = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT= RPROMPT=; unset zle_bracketed_paste; fpath=($1 \\$fpath); autoload -U compinit; compinit -u -d $1/dump"
zpty -w z 'compadd () { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<hit>$h</hit>"; done; builtin compadd "$@"; }'
zpty -w z "bindkey '^I' complete-word; zstyle ':completion:*' list-prompt ''"
zpty -w z "print '<rea''dy>'"
zpty -r z junk '*<ready>*'
zpty -n -w z "$2"$'\\t'
zpty -n -w z $'\\C-e\\C-u'"print '<do''ne>'"$'\\n'
zpty -r z out '*<done>*'
print -r -- "$out"
zpty -d z
`;

  function zshComplete(dir: string, line: string): string[] {
    // The pty harness, not the script, is occasionally slow to echo: up to three tries.
    for (let attempt = 0; ; attempt++) {
      const r = spawnSync("timeout", ["20", "zsh", "-f", join(dir, "capture.zsh"), dir, line], { encoding: "utf8" });
      const hits = [...new Set([...r.stdout.matchAll(/<hit>([^<]*)<\/hit>/g)].map((m) => m[1]!))].sort();
      if (hits.length > 0 || attempt === 2) return hits;
    }
  }

  test("zsh: completing with compinit offers the program's commands, options and choices", { skip: !has("zsh") && "zsh is not installed" }, async () => {
    const dir = join(tmp, "zcomp");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "_peersync"), (await run(BIN, ["completion", "zsh"])).stdout);
    writeFileSync(join(dir, "capture.zsh"), CAPTURE);
    assert.deepEqual(zshComplete(dir, "peersync list-"), ["list-db", "list-hints", "list-pair", "list-pending"]);
    assert.deepEqual(zshComplete(dir, "peersync check --ch"), ["--checksum"]);
    assert.deepEqual(zshComplete(dir, "peersync -N a sync --m"), ["--mark-forced"]);
    assert.deepEqual(zshComplete(dir, "peersync completion "), ["bash", "zsh"]);
  });

  test("an unknown shell is a usage error", async () => {
    const r = await run(BIN, ["completion", "fish"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh/);
  });
});

describe("csync2 -o, -S and -R", () => {
  before(async () => {
    const r = await peersync(["check"]);
    assert.equal(r.code, 0, r.stderr);
  });

  test("compare (-o -r) prints what the include and compare patterns select, from the disk", async () => {
    const dir = join(tmp, "cmp");
    mkdirSync(join(dir, "inc"), { recursive: true });
    for (const f of ["inc/a", "x.cmp", "y.txt"]) writeFileSync(join(dir, f), f);
    const cfg = join(tmp, "cmp.cfg");
    writeFileSync(cfg, `group c {\n${groupText}  include ${dir}/inc;\n  compare ${dir}/*.cmp;\n}\n`);
    const args = ["--config", cfg, "-N", "me", "-D", join(tmp, "cmp-state")];
    const r = await run(BIN, ["-o", "-r", ...args, dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [`${dir}/inc`, `${dir}/inc/a`, `${dir}/x.cmp`]);
    const one = await run(BIN, [...args, "compare", join(dir, "inc")]);
    assert.equal(one.stdout, `${dir}/inc\n`, "without -r a directory is printed, not entered");
    const json = await run(BIN, [...args, "--json", "compare", join(dir, "x.cmp")]);
    assert.deepEqual(JSON.parse(json.stdout), [{ path: `${dir}/x.cmp`, groups: ["c"] }]);
  });

  test("list-pair (-S) lists the pair's files like list-db; a wrong pair is refused", async () => {
    const pair = await run(BIN, [...base, "-S", "me", "other"]);
    const db = await peersync(["list-db"]);
    assert.equal(pair.code, 0, pair.stderr);
    assert.equal(pair.stdout, db.stdout);
    assert.match(pair.stdout, /\t.*\/conf\/a\.conf$/m);
    const wrong = await peersync(["list-pair", "me", "nobody"]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /no group of this node has the peer "nobody"/);
    const notMe = await run(BIN, [...base, "-S", "other", "me"]);
    assert.equal(notMe.code, 1);
    assert.match(notMe.stderr, /this node is "me", not "other"/);
    // The names swapped: the hint puts them the right way round.
    assert.match(notMe.stderr, /hint: csync2 -S takes this node's own name first: peersync list-pair me other$/m);
  });

  test("prune (-R) drops entries the config no longer includes and pending rows of removed peers", async () => {
    // A key stays the same; the group now excludes logs/ and has no peer "other".
    writeConfig(`group g {\n${groupText.replace(/other@[^;]*/, "third@127.0.0.1:9")}  include ${root};\n  exclude ${root}/logs;\n}\n`);
    try {
      const dry = await peersync(["-d", "--json", "prune"]);
      const plan = JSON.parse(dry.stdout) as { entriesRemoved: number; pendingRemoved: number; entries: { path: string; reason: string }[] };
      assert.deepEqual(plan.entries.map((e) => [e.path, e.reason]), [[`${root}/logs`, "not-included"], [`${root}/logs/x.log`, "not-included"]]);
      assert.ok(plan.pendingRemoved > 0, "the rows pending for other");
      const again = JSON.parse((await peersync(["-d", "--json", "prune"])).stdout) as typeof plan;
      assert.equal(again.entriesRemoved, 2, "-d removed nothing");
      const r = await run(BIN, [...base, "-R"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^prune: removed 2 entries \(0 of groups not in the config, 2 no longer included\), \d+ pending rows/);
      assert.doesNotMatch((await peersync(["list-pending"])).stdout, /\tother\t/);
      assert.equal((await peersync(["--json", "prune"])).stdout, JSON.stringify({ dryRun: false, entriesRemoved: 0, pendingRemoved: 0, entries: [], pending: [] }) + "\n");
      const refused = await run(BIN, [...base, "-R", "-G", "g"]);
      assert.equal(refused.code, 1);
    } finally {
      writeConfig(`group g {\n${groupText}  include ${root};\n  compare ${root}/conf/*.conf;\n}\n`);
    }
  });
});
