// bin/peersync as a real process: what an operator or a cron job sees (stdout, stderr, exit
// status, files), including csync2-style command lines and a symlinked install.

import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(ROOT, "bin", "peersync");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const KEY_FILE = /^[A-Za-z0-9._]{64}\n$/;

const tmp = mkdtempSync(join(tmpdir(), "peersync-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function peersync(args: readonly string[], options: { cwd?: string; bin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(options.bin ?? BIN, args, { cwd: options.cwd ?? tmp, env: { ...process.env, ...options.env } }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

describe("peersync --version and --help", { concurrency: true }, () => {
  test("--version prints the package version", async () => {
    const r = await peersync(["--version"]);
    assert.deepEqual(r, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  test("--help lists every command, marks the unfinished ones, and exits 0", async () => {
    const r = await peersync(["--help"]);
    assert.equal(r.code, 0);
    for (const name of ["sync", "check", "update", "test", "list-pending", "keygen", "daemon", "trust"]) {
      assert.match(r.stdout, new RegExp(`^  ${name} `, "m"));
    }
    assert.doesNotMatch(r.stdout, /^ {2}prune .*not implemented/m);
    assert.doesNotMatch(r.stdout, /^ {2}test .*not implemented/m);
    assert.doesNotMatch(r.stdout, /^ {2}sync .*not implemented/m);
    assert.doesNotMatch(r.stdout, /^ {2}keygen .*not implemented/m);
    assert.match(r.stdout, /-h is csync2's hint: help is --help only/);
  });

  test("a subcommand's --help works", async () => {
    const r = await peersync(["keygen", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: peersync keygen \[options\] <file>/);
  });

  test("no arguments prints help on stderr and exits 1, as csync2", async () => {
    const r = await peersync([]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Usage: peersync/);
  });

  test("works through a symlink, from another directory (npm install -g)", async () => {
    const link = join(tmp, "peersync-link");
    symlinkSync(BIN, link);
    const r = await peersync(["--version"], { bin: link, cwd: "/" });
    assert.deepEqual(r, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });
});

describe("peersync keygen", { concurrency: true }, () => {
  test("writes a csync2-format key, mode 0600, silently", async () => {
    const file = join(tmp, "new.key");
    const r = await peersync(["keygen", file]);
    assert.deepEqual(r, { code: 0, stdout: "", stderr: "" });
    assert.match(readFileSync(file, "utf8"), KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test("-k FILE is keygen FILE, relative to the working directory", async () => {
    const r = await peersync(["-k", "relative.key"]);
    assert.equal(r.code, 0);
    assert.match(readFileSync(join(tmp, "relative.key"), "utf8"), KEY_FILE);
  });

  test("keeps mode 0600 whatever the umask", async () => {
    const file = join(tmp, "umask.key");
    const r = await peersync(["-c", `umask 000; exec "$0" keygen "$1"`, BIN, file], { bin: "/bin/sh" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test("two keys differ", async () => {
    await Promise.all([peersync(["keygen", "a.key"]), peersync(["keygen", "b.key"])]);
    assert.notEqual(readFileSync(join(tmp, "a.key"), "utf8"), readFileSync(join(tmp, "b.key"), "utf8"));
  });

  test("refuses to overwrite an existing file and leaves it alone", async () => {
    const file = join(tmp, "existing.key");
    writeFileSync(file, "precious\n");
    for (const args of [["keygen", file], ["-k", file]]) {
      const r = await peersync(args);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `peersync: Cannot write key file "${file}": it already exists\nhint: to change a group's key, write the new one elsewhere (peersync keygen FILE.new), copy it to every host of the group, move it over the old file there (or name it in the group's key statement), then reload each daemon (systemctl reload peersync); removing the old key first stops every sync of the group\n`,
      );
    }
    assert.equal(readFileSync(file, "utf8"), "precious\n");
  });

  test("refuses a dangling symlink instead of writing through it", async () => {
    const link = join(tmp, "dangling.key");
    symlinkSync(join(tmp, "target-of-dangling"), link);
    const r = await peersync(["keygen", link]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /it already exists/);
    assert.throws(() => statSync(join(tmp, "target-of-dangling")));
  });

  test("names a missing directory", async () => {
    const r = await peersync(["keygen", join(tmp, "no-such-dir", "x.key")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^peersync: Cannot write key file ".*x\.key": directory ".*no-such-dir" does not exist\nhint: /);
  });

  test("--json reports the error as one object on stdout", async () => {
    const file = join(tmp, "json.key");
    writeFileSync(file, "x\n");
    const r = await peersync(["keygen", file, "--json"]);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout), {
      error: {
        code: "IO",
        message: `Cannot write key file "${file}": it already exists`,
        hint: "to change a group's key, write the new one elsewhere (peersync keygen FILE.new), copy it to every host of the group, move it over the old file there (or name it in the group's key statement), then reload each daemon (systemctl reload peersync); removing the old key first stops every sync of the group",
      },
      exitCode: 1,
    });
  });

  test("csync2 accepts our key, and we accept csync2's", { skip: !hasCommand("csync2") && "csync2 is not installed" }, async () => {
    const ours = join(tmp, "ours.key");
    const theirs = join(tmp, "theirs.key");
    assert.equal((await peersync(["keygen", ours])).code, 0);
    assert.equal(spawnSync("csync2", ["-k", theirs]).status, 0);
    assert.match(readFileSync(theirs, "utf8"), KEY_FILE);
    // csync2 checks a group's key while reading the config: -L exits 2 (empty list) when the
    // config is good and 1 when the key is not; a short key proves the check runs.
    const csync2List = (key: string): number | null => {
      const dir = mkdtempSync(join(tmp, "csync2-"));
      writeFileSync(join(dir, "csync2.cfg"), `group g { host h1 h2; key ${key}; include ${dir}/data; }\n`);
      return spawnSync("csync2", ["-N", "h1", "-D", dir, "-L"], { env: { ...process.env, CSYNC2_SYSTEM_DIR: dir } }).status;
    };
    writeFileSync(join(tmp, "short.key"), "tooshort\n");
    assert.equal(csync2List(join(tmp, "short.key")), 1);
    assert.equal(csync2List(ours), 2);
    assert.equal(csync2List(theirs), 2);
  });
});

describe("csync2-style flags", { concurrency: true }, () => {
  const mistakes: readonly (readonly [string, RegExp])[] = [
    ["-x -c", /^peersync: Cannot use -x and -c together: choose one mode\nhint: /],
    ["-m", /^peersync: Cannot run -m: it needs an argument\nhint: usage: peersync -m \[-r\] PATH\.\.\.\n$/],
    ["-h", /^peersync: Cannot run -h: it needs an argument\n/],
    ["-M /etc", /^peersync: Cannot run -M with "\/etc": it takes no arguments\n/],
    ["-x -Q", /^peersync: Cannot parse option "-Q": not a csync2 or peersync option\n/],
    ["sync -h", /^peersync: Cannot use csync2 flag -h with subcommand "sync"\nhint: .*help is --help/],
    ["sync --frobnicate", /^peersync: unknown option '--frobnicate'\nhint: /],
    ["frobnicate", /^peersync: unknown command 'frobnicate'\n/],
    ["-x -p notaport", /^peersync: Cannot use port "notaport": expected a number from 1 to 65535\n/],
    ["-x -D mysql://db/csync2", /^peersync: Cannot use database "mysql:\/\/db\/csync2"/],
    ["-x --config /a.cfg -C web", /^peersync: Cannot use --config and -C together/],
  ];
  for (const [argv, stderr] of mistakes) {
    test(`"peersync ${argv}" is a usage error (exit 1)`, async () => {
      const r = await peersync(argv.split(" "));
      assert.equal(r.code, 1);
      assert.match(r.stderr, stderr);
    });
  }
});

describe("-G (csync2's group list)", () => {
  // csync2: "This host (h1) is not a member of any configured group.", exit 1. A typo in a cron
  // line's -G must not turn every run into a silent no-op.
  const setup = (): string[] => {
    const dir = mkdtempSync(join(tmp, "groups-"));
    writeFileSync(join(dir, "k.key"), `${"k".repeat(40)}\n`);
    writeFileSync(join(dir, "p.cfg"), `group web { host h1 h2; key ${join(dir, "k.key")}; include ${join(dir, "data")}; }\n`);
    return ["--config", join(dir, "p.cfg"), "-N", "h1", "-D", join(dir, "state")];
  };

  for (const argv of [["-G", "wbe", "-x"], ["-G", "wbe", "-M"], ["sync", "-G", "mail,dns"], ["list-db", "--groups", "wbe"]]) {
    test(`"${argv.join(" ")}" with no group of this node is a usage error (exit 1)`, async () => {
      const r = await peersync([...setup(), ...argv]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^peersync: Cannot use -G [a-z,]+: this node \(h1\) is a host of no group named .*\nhint: its groups: web /);
    });
  }

  test("a list that also names this node's group works (one cron line for the cluster)", async () => {
    const r = await peersync([...setup(), "-G", "mail,web", "-M"]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
  });
});

describe("an index a failed first start left blank", () => {
  // A first `check` on a full state dir creates index.db and fails before the schema is written
  // (test/faults/state-dir-full.test.ts). The listings and status must read that file as "no
  // index yet", not report "internal error: no such table" as a bug.
  const setup = (): string[] => {
    const dir = mkdtempSync(join(tmp, "blank-"));
    writeFileSync(join(dir, "k.key"), `${"k".repeat(40)}\n`);
    writeFileSync(join(dir, "p.cfg"), `group web { host h1 h2@127.0.0.1:1; key ${join(dir, "k.key")}; include ${join(dir, "data")}; }\n`);
    mkdirSync(join(dir, "state"));
    writeFileSync(join(dir, "state", "index.db"), "");
    return ["--config", join(dir, "p.cfg"), "-N", "h1", "-D", join(dir, "state")];
  };

  for (const argv of [["-M"], ["-L"], ["-H"], ["list-pair", "h1", "h2"]]) {
    test(`"${argv.join(" ")}" lists nothing (exit 2)`, async () => {
      const r = await peersync([...setup(), ...argv]);
      assert.deepEqual(r, { code: 2, stdout: "", stderr: "" });
    });
  }

  test("status says there is no index yet (exit 0)", async () => {
    const r = await peersync([...setup(), "status", "--no-probe"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^state .* \(no index yet: run `peersync check`\)$/m);
    assert.equal(r.stderr, "");
  });

  test("the next check sets it up", async () => {
    const argv = setup();
    assert.equal((await peersync([...argv, "check"])).code, 0);
    assert.equal((await peersync([...argv, "-L"])).code, 2);
  });
});

describe("man/peersync.1", { skip: !hasCommand("man") && "man-db is not installed" }, () => {
  test("renders without warnings", () => {
    const r = spawnSync("man", ["-l", "--warnings", join(ROOT, "man", "peersync.1")], {
      env: { ...process.env, MANWIDTH: "80", MANPAGER: "cat", PAGER: "cat" },
      encoding: "utf8",
    });
    assert.equal(r.status, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /EXIT STATUS/);
  });
});
