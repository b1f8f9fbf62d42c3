import assert from "node:assert/strict";
import { test } from "node:test";
import { CommanderError } from "commander";
import {
  AuthError, ConfigError, ConfigErrors, IndexError, LockError, NotImplementedError, PeerError, PeersyncError,
  ProtocolError, RsyncError, StorageError, UsageError,
} from "../errors.js";
import { ExitCode } from "./exit-codes.js";
import { classify, toCsync2ExitCode } from "./exit-table.js";

const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/nope'"), {
  code: "ENOENT", syscall: "open", path: "/nope", errno: -2,
});

const cases: readonly { readonly name: string; readonly err: unknown; readonly exitCode: number; readonly code: string }[] = [
  { name: "UsageError", err: new UsageError("Cannot x"), exitCode: ExitCode.ERROR, code: "USAGE" },
  { name: "ConfigError", err: new ConfigError("Cannot y"), exitCode: ExitCode.ERROR, code: "CONFIG" },
  { name: "ConfigErrors", err: new ConfigErrors([new ConfigError("a"), new ConfigError("b")]), exitCode: 1, code: "CONFIG" },
  { name: "NotImplementedError", err: new NotImplementedError("sync"), exitCode: ExitCode.ERROR, code: "NOT_IMPLEMENTED" },
  { name: "ProtocolError", err: new ProtocolError("bad frame"), exitCode: ExitCode.ERROR, code: "PROTOCOL" },
  { name: "AuthError", err: new AuthError("bad key"), exitCode: ExitCode.ERROR, code: "AUTH" },
  { name: "PeerError", err: new PeerError("refused", { peer: "h2" }), exitCode: ExitCode.ERROR, code: "PEER" },
  { name: "RsyncError", err: new RsyncError("RS_CORRUPT", "corrupt"), exitCode: ExitCode.ERROR, code: "RSYNC" },
  { name: "IndexError", err: new IndexError("locked db"), exitCode: ExitCode.ERROR, code: "INDEX" },
  { name: "StorageError (a full state dir)", err: new StorageError("Cannot write the index", { path: "/s/index.db", fault: "full" }), exitCode: ExitCode.ERROR, code: "STORAGE" },
  { name: "LockError", err: new LockError("held"), exitCode: ExitCode.LOCKED, code: "LOCKED" },
  { name: "a PeersyncError with a code the table lacks", err: new PeersyncError("NEW", "m"), exitCode: 1, code: "NEW" },
  { name: "--help", err: new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"), exitCode: 0, code: "USAGE" },
  { name: "--version", err: new CommanderError(0, "commander.version", "0.1.0"), exitCode: 0, code: "USAGE" },
  { name: "no subcommand", err: new CommanderError(1, "commander.help", "(outputHelp)"), exitCode: 1, code: "USAGE" },
  { name: "unknown option", err: new CommanderError(1, "commander.unknownOption", "error: unknown option '-z'"), exitCode: 1, code: "USAGE" },
  { name: "a system error", err: enoent, exitCode: ExitCode.ERROR, code: "IO" },
  { name: "a TypeError (a bug)", err: new TypeError("x is undefined"), exitCode: ExitCode.ERROR, code: "INTERNAL" },
  { name: "a thrown string", err: "boom", exitCode: ExitCode.ERROR, code: "INTERNAL" },
];

for (const c of cases) {
  test(`classify() maps ${c.name} to exit ${c.exitCode}`, () => {
    const report = classify(c.err);
    assert.equal(report.exitCode, c.exitCode);
    assert.equal(report.code, c.code);
  });
}

test("classify() keeps the message and hint of a PeersyncError", () => {
  const report = classify(new UsageError("Cannot run -m: it needs an argument", { hint: "usage: peersync -m PATH..." }));
  assert.equal(report.message, "Cannot run -m: it needs an argument");
  assert.equal(report.hint, "usage: peersync -m PATH...");
});

test("classify() drops commander's 'error: ' prefix and adds a hint", () => {
  const report = classify(new CommanderError(1, "commander.unknownOption", "error: unknown option '-z'"));
  assert.equal(report.message, "unknown option '-z'");
  assert.match(report.hint ?? "", /--help/);
});

test("classify() prints nothing more after --help", () => {
  assert.equal(classify(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)")).message, "");
});

test("classify() marks an unexpected error as a bug", () => {
  const report = classify(new TypeError("x is undefined"));
  assert.equal(report.message, "internal error: x is undefined");
  assert.match(report.hint ?? "", /bug/);
});

const csync2Codes: readonly (readonly [number, number])[] = [
  [ExitCode.OK, 0], [ExitCode.ERROR, 1], [ExitCode.EMPTY, 2], [ExitCode.CONFLICTS, 1],
  [ExitCode.PEERS_UNREACHABLE, 1], [ExitCode.SAFETY_STOP, 1], [ExitCode.LOCKED, 1], [ExitCode.ACTION_FAILED, 1],
];
for (const [ours, theirs] of csync2Codes) {
  test(`toCsync2ExitCode() turns ${ours} into csync2's ${theirs}`, () => assert.equal(toCsync2ExitCode(ours), theirs));
}
