import assert from "node:assert/strict";
import { test } from "node:test";
import { CommanderError } from "commander";
import { NotImplementedError } from "../errors.js";
import { COMMANDS, type AnyCommand } from "./command-table.js";
import type { GlobalOptions } from "./context.js";
import { SUBCOMMANDS, translateCsync2Argv } from "./csync2-argv.js";
import { IMPLEMENTED, runProgram, type ProgramIo } from "./program.js";

interface Call {
  readonly command: string;
  readonly args: readonly string[];
  readonly options: Record<string, unknown>;
  readonly globals: GlobalOptions;
}

/** Runs argv against recording fakes of every command, all marked implemented. */
async function run(argv: readonly string[], implemented: Record<string, boolean> = {}, sink: string[] = []): Promise<{ code: number; calls: Call[] }> {
  const calls: Call[] = [];
  const commands = COMMANDS.map((spec) => ({
    ...spec,
    load: async () => {
      const fake = async (ctx: { options: GlobalOptions }, args: readonly string[], options: Record<string, unknown>): Promise<number> => {
        calls.push({ command: spec.name, args, options: { ...options }, globals: ctx.options });
        return 0;
      };
      return { run: fake as unknown as AnyCommand };
    },
  }));
  const all = Object.fromEntries(COMMANDS.map((spec) => [spec.name, implemented[spec.name] ?? true]));
  const io: ProgramIo = {
    stdout: (text) => void sink.push(text),
    stderr: (text) => void sink.push(text),
    env: { cwd: "/w", configFileForName: (name) => `/etc/csync2_${name}.cfg` },
    version: "9.9.9",
  };
  const code = await runProgram(argv, io, { commands, implemented: all });
  return { code, calls };
}

const cases: readonly {
  readonly argv: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly options?: Record<string, unknown>;
  readonly globals?: Partial<GlobalOptions>;
}[] = [
  { argv: "-vvv status", command: "status", globals: { verbose: 3 } },
  { argv: "sync -v -r -N Host1 /a /b", command: "sync", args: ["/a", "/b"], globals: { verbose: 1, recursive: true, nodeName: "host1" } },
  { argv: "--config x.cfg -D st check", command: "check", args: [], globals: { configFile: "/w/x.cfg", stateDir: "/w/st" } },
  { argv: "daemon --inetd --syslog", command: "daemon", options: { inetd: true, syslog: true } },
  { argv: "trust --reset host2", command: "trust", options: { reset: "host2" } },
  { argv: "keygen k", command: "keygen", args: ["k"] },
  { argv: "list-pair h1 h2 --json", command: "list-pair", args: ["h1", "h2"], globals: { json: true } },
  // csync2-style argv, translated first: what each command finally receives.
  { argv: "-TT -v h1 h2 /p", command: "test", args: ["h1", "h2", "/p"], options: { diff: true }, globals: { verbose: 1 } },
  { argv: "-cr /etc", command: "check", args: ["/etc"], globals: { recursive: true } },
  { argv: "-cu", command: "sync", args: [], options: { hinted: true } },
  { argv: "-x -C web -p 4000 -G a,b -P H2", command: "sync", globals: { configFile: "/etc/csync2_web.cfg", port: 4000, groups: ["a", "b"], peers: ["h2"] } },
  { argv: "-ii -v", command: "daemon", options: {}, globals: { verbose: 1 } },
  { argv: "-i -l", command: "daemon", options: { inetd: true, syslog: true } },
  { argv: "-iii", command: "daemon", options: { once: true } },
  { argv: "-TIX h1 h2", command: "test", options: { init: true, markRemovals: true } },
  { argv: "-h -- -odd", command: "hint", args: ["-odd"] },
  { argv: "-k /etc/csync2.key", command: "keygen", args: ["/etc/csync2.key"] },
  { argv: "-xd", command: "sync", globals: { dryRun: true } },
];

for (const c of cases) {
  test(`runProgram() gives "${c.argv}" to ${c.command}`, async () => {
    const { code, calls } = await run(translateCsync2Argv(c.argv.split(" ")));
    assert.equal(code, 0);
    assert.equal(calls.length, 1);
    const call = calls[0] as Call;
    assert.equal(call.command, c.command);
    if (c.args) assert.deepEqual(call.args, c.args);
    if (c.options) assert.deepEqual(call.options, c.options);
    for (const [key, value] of Object.entries(c.globals ?? {})) {
      assert.deepEqual(call.globals[key as keyof GlobalOptions], value, key);
    }
  });
}

test("runProgram() refuses a command marked not implemented without loading it", async () => {
  await assert.rejects(run(["sync"], { sync: false }), NotImplementedError);
});

test("runProgram() lists a command marked not implemented as such in --help", async () => {
  const sink: string[] = [];
  await assert.rejects(run(["--help"], { sync: false }, sink), (err: unknown) => err instanceof CommanderError && err.exitCode === 0);
  const help = sink.join("");
  assert.match(help, /^ {2}sync .*\(not implemented yet\)/m);
  assert.match(help, /^ {2}check (?!.*not implemented)/m);
});

const parseErrors: readonly (readonly [string, string])[] = [
  ["hint", "commander.missingArgument"],
  ["list-db extra", "commander.excessArguments"],
  ["sync --nope", "commander.unknownOption"],
  ["nope", "commander.unknownCommand"],
  ["trust --reset", "commander.optionMissingArgument"],
];
for (const [argv, code] of parseErrors) {
  test(`runProgram() rejects "${argv}" with ${code}`, async () => {
    await assert.rejects(run(argv.split(" ")), (err: unknown) => err instanceof CommanderError && err.code === code);
  });
}

test("the command table, the csync2 translator and IMPLEMENTED name the same commands", () => {
  const names = COMMANDS.map((spec) => spec.name).sort();
  assert.deepEqual([...SUBCOMMANDS].filter((name) => name !== "help").sort(), names);
  assert.deepEqual(Object.keys(IMPLEMENTED).sort(), names);
});

test("every command module exists and exports run", async () => {
  for (const spec of COMMANDS) {
    const module = await spec.load();
    assert.equal(typeof module.run, "function", spec.name);
  }
});

/** Runs argv against fakes that print one line to stdout and one to stderr. */
async function printed(argv: readonly string[]): Promise<{ stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const commands = COMMANDS.map((spec) => ({
    ...spec,
    load: async () => ({
      run: (async (ctx: { out: (l: string) => void; err: (l: string) => void }) => {
        ctx.out(`${spec.name} result`);
        ctx.err(`${spec.name} error`);
        return 0;
      }) as unknown as AnyCommand,
    }),
  }));
  const io: ProgramIo = { stdout: (t) => void stdout.push(t), stderr: (t) => void stderr.push(t), env: { cwd: "/w", configFileForName: (n) => n }, version: "1" };
  await runProgram(argv, io, { commands });
  return { stdout, stderr };
}

const quiet: readonly [string, readonly string[]][] = [
  ["-q check", []],
  ["-q sync", []],
  ["-q prune", []],
  ["-q list-db", ["list-db result\n"]],
  ["-q test", ["test result\n"]],
  ["-q --json check", ["check result\n"]],
  ["check", ["check result\n"]],
];
for (const [argv, want] of quiet) {
  test(`"${argv}": -q mutes a report, never a listing, --json or errors`, async () => {
    const got = await printed(argv.split(" "));
    assert.deepEqual(got.stdout, want);
    assert.equal(got.stderr.length, 1);
  });
}
