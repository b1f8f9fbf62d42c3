// The process entry (bin/peersync imports this file): csync2-style argv → subcommand argv →
// commander → the command; then the one place that turns a result or an error into output and
// an exit status (through cli/exit-table.ts). Nothing else in peersync exits the process.
// Paths of our own files come from import.meta.url, never the cwd, so a symlinked global
// install (`npm install -g .`) works from any directory.

import { readFileSync } from "node:fs";
import { configFileForName } from "../config/load.js";
import { workingDirectory } from "../fs/working-directory.js";
import { isCsync2Style, translateCsync2Argv } from "./csync2-argv.js";
import { classify, toCsync2ExitCode, type ErrorReport } from "./exit-table.js";
import { runProgram, type ProgramIo } from "./program.js";
import { rawArgs } from "./raw-argv.js";

async function main(argv: readonly string[], io: ProgramIo): Promise<number> {
  const csync2 = isCsync2Style(argv);
  const finish = (code: number): number => (csync2 ? toCsync2ExitCode(code) : code);
  let verbose = 0;
  try {
    return finish(await runProgram(translateCsync2Argv(argv), io, { onGlobals: (o) => (verbose = o.verbose), csync2Syntax: csync2 }));
  } catch (err) {
    const report = classify(err);
    const exitCode = finish(report.exitCode);
    if (report.message !== "") printError(report, { exitCode, json: wantsJson(argv) }, io);
    // A bug's stack helps whoever reads the report; operators see it only when they ask (-vv).
    if (report.code === "INTERNAL" && verbose >= 2 && err instanceof Error) io.stderr(`${err.stack}\n`);
    return exitCode;
  }
}

/** `peersync: <message>` and `hint: <hint>` on stderr; with --json one object on stdout. */
function printError(report: ErrorReport, how: { exitCode: number; json: boolean }, io: ProgramIo): void {
  if (how.json) {
    const error = { code: report.code, message: report.message, ...(report.hint ? { hint: report.hint } : {}) };
    io.stdout(`${JSON.stringify({ error, exitCode: how.exitCode })}\n`);
    return;
  }
  // Multi-line messages (ConfigErrors: one error per line) keep the prefix on every line.
  const lines = report.message.split("\n").map((line) => `peersync: ${line}\n`);
  io.stderr(lines.join("") + (report.hint ? `hint: ${report.hint}\n` : ""));
}

/** --json anywhere before "--": known even when parsing failed. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

function packageVersion(): string {
  const file = new URL("../../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

// A reader that goes away (`peersync -M | head -1`) is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

// No top-level await: the launcher may run this file bundled as CommonJS (scripts/bundle.mjs).
void main(rawArgs(process.argv.slice(2)), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: { cwd: workingDirectory(), configFileForName: (name) => configFileForName(name) },
  version: packageVersion(),
  stderrIsTty: process.stderr.isTTY === true,
  progressMode: process.env["PEERSYNC_PROGRESS"],
}).then((code) => {
  process.exitCode = code;
});
