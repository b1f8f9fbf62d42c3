import assert from "node:assert/strict";
import type { ChildProcess, SpawnOptions } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Action } from "../config/types.js";
import { createLogger } from "../log.js";
import { ActionRunner, type ActionLogger, type SpawnFn } from "./runner.js";

const quiet: ActionLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function act(exec: string): Action {
  return { patterns: [], exec, logfile: "/dev/null", doLocal: false, doLocalOnly: false, timeoutMs: 1000, at: { file: "t", line: 1, column: 1 } };
}

/** A spawn that records its call and exits at once with code 0. */
function recordingSpawn() {
  const calls: { command: string; args: readonly string[]; options: SpawnOptions }[] = [];
  const spawn: SpawnFn = (command, args, options) => {
    calls.push({ command, args, options });
    const child = new EventEmitter() as ChildProcess;
    setImmediate(() => child.emit("exit", 0, null));
    return child;
  };
  return { calls, spawn };
}

test("ActionRunner accepts the project's pino logger", () => {
  const logger: ActionLogger = createLogger({ destination: { write: () => undefined } });
  assert.ok(new ActionRunner({ logger }));
});

test("run() passes %% as \"$@\", the names after $0, a new process group and the env", async () => {
  const { calls, spawn } = recordingSpawn();
  const runner = new ActionRunner({ logger: quiet, spawn, env: { PATH: "/bin" }, now: () => 0 });
  const result = await runner.run("web", act("reload %% && log %%"), ["/a b", "/c;d"]);
  assert.equal(result.ok, true);
  const call = calls[0];
  assert.equal(call?.command, "/bin/sh");
  assert.deepEqual(call?.args, ["-c", 'reload "$@" && log "$@"', "peersync-action", "/a b", "/c;d"]);
  assert.equal(call?.options.detached, true);
  assert.deepEqual(call?.options.env, { PATH: "/bin", PEERSYNC_GROUP: "web", PEERSYNC_FILES: "/a b\n/c;d" });
});

test("run() still runs a batch too big for argv, without the names, and says how many were left out", async () => {
  const { calls, spawn } = recordingSpawn();
  const runner = new ActionRunner({ logger: quiet, spawn, env: {} });
  const paths = Array.from({ length: 300 }, (_, i) => `/${String(i).padStart(4000, "x")}`);
  const result = await runner.run("web", act("reload"), paths);
  assert.equal(result.ok, true);
  assert.deepEqual(calls[0]?.args, ["-c", "reload", "peersync-action"]);
  assert.equal(calls[0]?.options.env?.["PEERSYNC_FILES_OMITTED"], "300");
  assert.equal(calls[0]?.options.env?.["PEERSYNC_FILES"], undefined);
});

const cannotStart: readonly [name: string, options: { shell?: string; spawn?: SpawnFn }, want: RegExp][] = [
  ["a missing shell", { shell: "/nonexistent/sh" }, /cannot start action: .*ENOENT/],
  [
    "a spawn that throws",
    {
      spawn: () => {
        throw new Error("EAGAIN");
      },
    },
    /cannot start \/bin\/sh: EAGAIN/,
  ],
];
for (const [name, options, want] of cannotStart) {
  test(`run() reports ${name} as a failed result, never a throw`, async () => {
    const runner = new ActionRunner({ logger: quiet, ...options });
    const result = await runner.run("web", act("true"), ["/x"]);
    assert.equal(result.ok, false);
    assert.match(result.error ?? "", want);
    assert.deepEqual(runner.stats, { runs: 1, failed: 1, timedOut: 0 });
  });
}

// Node passes arguments as UTF-8 strings: a name that is not UTF-8 (held escaped) reached the
// command as the text "caf\uFFFDE9" (byte-args.ts).
test("run() hands a real shell's \"$@\" the exact bytes of a name that is not UTF-8; PEERSYNC_FILES shows it escaped", async () => {
  const dir = mkdtempSync(join(tmpdir(), "peersync-byte-args-"));
  try {
    const out = join(dir, "args");
    const runner = new ActionRunner({ logger: quiet, env: { PATH: "/usr/bin:/bin" } });
    const paths = ["/srv/caf\uFFFDE9", "/srv/plain"];
    const result = await runner.run("web", act(`printf '%s\\0' %% > ${out}; printf '%s' "$PEERSYNC_FILES" > ${out}.files`), paths);
    assert.equal(result.ok, true, result.error);
    const want = Buffer.concat([Buffer.from("/srv/caf"), Buffer.of(0xe9, 0), Buffer.from("/srv/plain"), Buffer.of(0)]);
    assert.equal(readFileSync(out).toString("hex"), want.toString("hex"));
    assert.equal(readFileSync(`${out}.files`, "utf8"), paths.join("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
