// man/peersync.1's JSON OUTPUT section and the real --json output agree: every command but
// daemon and completion has an entry, and each command's document, run for real (one node
// whose peer is not listening, so no daemon is needed; reload gets a daemon of its own),
// parses as JSON and has exactly the keys the entry lists (for an array, each element's keys).

import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "../../src/cli/command-table.js";
import { freePort, runCli, startDaemon } from "../helpers/daemon.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(REPO, "bin/peersync");
const PAGE = readFileSync(join(REPO, "man/peersync.1"), "utf8");

/** Commands without a JSON document. */
const NO_JSON = new Set(["daemon", "completion", "help"]);
/** Commands run against a daemon, in a test of their own. */
const WITH_DAEMON = ["reload"];

interface Documented {
  readonly array: boolean;
  readonly keys: readonly string[];
}

/** JSON OUTPUT entries: command → the keys in its .EX line (`[{a, b}]` or `{a, b}`). */
function documented(): Map<string, Documented> {
  const start = PAGE.indexOf("\n.SH JSON OUTPUT\n");
  assert.notEqual(start, -1, "man/peersync.1 has no JSON OUTPUT section");
  const text = PAGE.slice(start, PAGE.indexOf("\n.SH ", start + 1)).replaceAll("\\-", "-");
  const out = new Map<string, Documented>();
  for (const chunk of text.split("\n.TP\n").slice(1)) {
    const names = [...chunk.matchAll(/^\.B ([a-z][a-z0-9-]*)$/gm)].map((m) => m[1]!);
    const m = /^\.EX\n(\[?)\{([^}]*)\}\]?\n\.EE$/m.exec(chunk);
    assert.ok(m, `no .EX key line in the entry of ${names.join(", ")}`);
    const keys = m[2]!.split(",").map((k) => k.trim());
    // Only the tag lines before .EX name commands (.TP's tag, then .TQ tags).
    const tags = chunk.slice(0, chunk.indexOf(".EX")).split("\n").filter((l) => l.startsWith(".B ")).map((l) => l.slice(3));
    for (const name of tags) out.set(name, { array: m[1] === "[", keys });
  }
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), "peersync-json-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, "root");
let config = "";

function peersync(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PEERSYNC_CONNECT_TIMEOUT_MS: "1000", PEERSYNC_PROGRESS: "never" };
    const child = execFile(BIN, ["--config", config, "-N", "me", "-D", join(tmp, "state"), ...args], { cwd: tmp, env }, (_e, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** A loopback port nobody listens on: the peer is down, fast. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  mkdirSync(join(root, "conf"), { recursive: true });
  writeFileSync(join(root, "index.html"), "hello\n");
  writeFileSync(join(root, "conf", "a.conf"), "x = 1\n");
  writeFileSync(join(tmp, "g.key"), `${"k".repeat(64)}\n`, { mode: 0o600 });
  config = join(tmp, "peersync.cfg");
  writeFileSync(config, `group g {\n  host me other@127.0.0.1:${await closedPort()};\n  key ${join(tmp, "g.key")};\n  include ${root};\n  compare ${root}/conf/*;\n}\n`);
  const csync2 = new Database(join(tmp, "csync2.db3"));
  csync2.exec("CREATE TABLE file (filename, checktxt, UNIQUE (filename) ON CONFLICT REPLACE)");
  csync2.exec("CREATE TABLE dirty (filename, forced, myname, peername, UNIQUE (filename, peername) ON CONFLICT IGNORE)");
  csync2.close();
});

test("every command with --json output has an entry under JSON OUTPUT", () => {
  const doc = documented();
  const missing = COMMANDS.map((c) => c.name).filter((n) => !NO_JSON.has(n) && !doc.has(n));
  assert.deepEqual(missing, []);
});

/** In order: the later ones need what the earlier ones recorded (hints, a checked index). */
const RUNS: readonly (readonly [string, readonly string[]])[] = [
  ["keygen", ["keygen", join(tmpdir(), `peersync-json-${process.pid}.key`)]],
  ["hint", ["hint", "root/index.html"]],
  ["list-hints", ["list-hints"]],
  ["check", ["check"]],
  ["list-db", ["list-db"]],
  ["list-pair", ["list-pair", "me", "other"]],
  ["list-pending", ["list-pending"]],
  ["compare", ["-r", "compare", "root"]],
  ["status", ["status", "--no-probe"]],
  ["config-check", ["config-check"]],
  ["trust", ["trust"]],
  ["test", ["test"]],
  ["sync", ["sync"]],
  ["update", ["update"]],
  ["mark", ["mark", "root/index.html"]],
  ["force", ["force", "root/index.html"]],
  ["prune", ["-d", "prune"]],
  ["import-csync2", ["-d", "import-csync2", "--db", "csync2.db3"]],
];

/** Every key, at any depth, that names a time in ms (…Ms, …At) and holds something. */
function timeKeys(value: unknown, out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(value)) for (const v of value) timeKeys(v, out);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (/(Ms|At)$/.test(k) && v !== null) out.push([k, v]);
      else timeKeys(v, out);
    }
  }
  return out;
}

/** `value` has exactly the keys `name`'s JSON OUTPUT entry lists, and its times are numbers. */
function assertDocumented(doc: Map<string, Documented>, name: string, value: unknown): void {
  const want = doc.get(name)!;
  assert.equal(Array.isArray(value), want.array, `${name}: array or object`);
  const sample = Array.isArray(value) ? value[0] : value;
  assert.ok(sample !== undefined, `${name}: an empty array proves no keys`);
  assert.deepEqual(Object.keys(sample as object).sort(), [...want.keys].sort(), `${name}: keys`);
  // peersync(1): "Times are milliseconds since the epoch unless the key ends in Ns".
  for (const [key, time] of timeKeys(value)) assert.equal(typeof time, "number", `${name}: ${key} is ${JSON.stringify(time)}, not milliseconds`);
}

test("each command's --json output parses and has the documented keys", async () => {
  const doc = documented();
  assert.deepEqual(
    [...RUNS.map(([name]) => name), ...WITH_DAEMON].sort(),
    COMMANDS.map((c) => c.name).filter((n) => !NO_JSON.has(n)).sort(),
    "RUNS covers every command with JSON output",
  );
  try {
    for (const [name, args] of RUNS) {
      const r = await peersync(["--json", ...args]);
      let value: unknown;
      assert.doesNotThrow(() => (value = JSON.parse(r.stdout)), `${name}: stdout is not one JSON document (exit ${r.code}): ${r.stdout}${r.stderr}`);
      assert.ok(!(value !== null && typeof value === "object" && "error" in value), `${name} failed: ${r.stdout}`);
      assertDocumented(doc, name, value);
    }
  } finally {
    rmSync(join(tmpdir(), `peersync-json-${process.pid}.key`), { force: true });
  }
});

test("reload --json: the daemon's answer has the documented keys, a refusal is the error object", async () => {
  const dir = join(tmp, "reload");
  mkdirSync(join(dir, "tree"), { recursive: true });
  const cfg = join(dir, "peersync.cfg");
  const group = `group g {\n  host me@127.0.0.1:${await freePort()} other@127.0.0.1:${await closedPort()};\n  key ${join(tmp, "g.key")};\n  include ${join(dir, "tree")};\n  watch no;\n}\n`;
  writeFileSync(cfg, group);
  const daemon = await startDaemon({ name: "me", configFile: cfg, stateDir: join(dir, "state") });
  try {
    const reload = async (): Promise<{ code: number | null; value: unknown; stdout: string }> => {
      const r = await runCli(["--json", "reload", "--pid", String(daemon.pid)], { RUNTIME_DIRECTORY: daemon.runtimeDir });
      let value: unknown;
      assert.doesNotThrow(() => (value = JSON.parse(r.stdout)), `stdout is not one JSON document (exit ${r.code}): ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr, "", "the note is in the document, not on stderr");
      return { code: r.code, value, stdout: r.stdout };
    };
    const took = await reload();
    assert.equal(took.code, 0, took.stdout);
    assertDocumented(documented(), "reload", took.value);
    assert.deepEqual({ ...(took.value as object), atMs: 0 }, { pid: daemon.pid, node: "me", message: "config reloaded (groups: g)", note: null, atMs: 0 });

    writeFileSync(cfg, group.replace(/\}\n$/, "  bogus-keyword;\n}\n"));
    const refused = await reload();
    assert.equal(refused.code, 1, refused.stdout);
    const { error, exitCode } = refused.value as { error: { code: string; message: string }; exitCode: number };
    assert.equal(exitCode, 1);
    assert.equal(error.code, "CONFIG");
    assert.match(error.message, /^Cannot reload the config: .*bogus-keyword/);
  } finally {
    await daemon.stop();
  }
});
