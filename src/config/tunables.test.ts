// Every numeric PEERSYNC_* tuning variable takes a whole number in its range, every switch one
// of its words; anything else is refused with a UsageError that names the variable and says
// what it takes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { checkTunables, switchValue, tunable, type SwitchName, type TunableName } from "./tunables.js";

/** `read` refuses `name=raw` with a UsageError that names both and says what it takes; so does checkTunables. */
function assertRefused(name: string, raw: string, read: () => unknown, expected: string): void {
  assert.throws(read, (err: unknown) =>
    err instanceof UsageError && err.message.startsWith(`Cannot use ${name}=${raw}: expected ${expected}`) && err.hint?.includes(`set ${name} to`) === true);
  assert.throws(() => checkTunables({ PEERSYNC_CHECK_THREADS: "2", [name]: raw }), UsageError, "checkTunables refuses it too");
}

const cases: { name: TunableName; raw: string | undefined; want: number | undefined | "refused" }[] = [
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: undefined, want: undefined },
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: "", want: undefined },
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: "1", want: 1 },
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: "256", want: 256 },
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: " 64 ", want: 64 },
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: "0", want: "refused" },
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: "257", want: "refused" },
  { name: "PEERSYNC_PUT_BATCH_FILES", raw: "lots", want: "refused" },
  { name: "PEERSYNC_WHOLE_FILE_BELOW", raw: "0", want: 0 },
  { name: "PEERSYNC_WHOLE_FILE_BELOW", raw: "1048576", want: 1048576 },
  { name: "PEERSYNC_WHOLE_FILE_BELOW", raw: "-1", want: "refused" },
  { name: "PEERSYNC_WHOLE_FILE_BELOW", raw: "64k", want: "refused" },
  { name: "PEERSYNC_WHOLE_FILE_BELOW", raw: "1e6", want: "refused" },
  { name: "PEERSYNC_WHOLE_FILE_BELOW", raw: "0x10", want: "refused" },
  { name: "PEERSYNC_WHOLE_FILE_BELOW", raw: "99999999999999999999", want: "refused" },
  { name: "PEERSYNC_RESUME_MIN_BYTES", raw: "0", want: 0 },
  { name: "PEERSYNC_RESUME_MIN_BYTES", raw: "1.5", want: "refused" },
  { name: "PEERSYNC_PARTIAL_TTL_MS", raw: "1", want: 1 },
  { name: "PEERSYNC_PARTIAL_TTL_MS", raw: "0", want: "refused" },
  { name: "PEERSYNC_DELTA_JOBS", raw: "16", want: 16 },
  { name: "PEERSYNC_DELTA_JOBS", raw: "17", want: "refused" },
  { name: "PEERSYNC_DELTA_PREFETCH_MIN_BYTES", raw: "0", want: 0 },
  { name: "PEERSYNC_DELTA_PREFETCH_MIN_BYTES", raw: "16M", want: "refused" },
  { name: "PEERSYNC_SIG_CACHE_MAX_BYTES", raw: "0", want: 0 },
  { name: "PEERSYNC_SIG_CACHE_MIN_BYTES", raw: "-5", want: "refused" },
  { name: "PEERSYNC_CHECK_THREADS", raw: "64", want: 64 },
  { name: "PEERSYNC_CHECK_THREADS", raw: "0", want: "refused" },
];
/**
 * One test per row: `read(name, env)` gives `want`, and an accepted value passes checkTunables;
 * "refused" rows are refused with `expected` in the message (assertRefused).
 */
function tableTests<N extends string>(fn: string, rows: readonly { name: N; raw: string | undefined; want: unknown }[], read: (name: N, env: NodeJS.ProcessEnv) => unknown, expected: string): void {
  for (const c of rows) {
    test(`${fn}(${c.name}=${JSON.stringify(c.raw)}) = ${String(c.want)}`, () => {
      const env = c.raw === undefined ? {} : { [c.name]: c.raw };
      if (c.want !== "refused") {
        assert.equal(read(c.name, env), c.want);
        checkTunables(env);
        return;
      }
      assertRefused(c.name, c.raw!, () => read(c.name, env), expected);
    });
  }
}

tableTests("tunable", cases, tunable, "a whole number");

test("checkTunables() takes an environment with good values, unrelated variables and none of them", () => {
  checkTunables({});
  checkTunables({ PEERSYNC_PUT_BATCH_FILES: "1", PEERSYNC_WHOLE_FILE_BELOW: "0", PEERSYNC_PROGRESS: "never", PATH: "/bin" });
});

const switches: { name: SwitchName; raw: string | undefined; want: string | undefined | "refused" }[] = [
  { name: "PEERSYNC_RENAMEAT2", raw: undefined, want: undefined },
  { name: "PEERSYNC_RENAMEAT2", raw: "", want: undefined },
  { name: "PEERSYNC_RENAMEAT2", raw: "0", want: "0" },
  { name: "PEERSYNC_RENAMEAT2", raw: "1", want: "1" },
  { name: "PEERSYNC_RENAMEAT2", raw: "off", want: "refused" },
  { name: "PEERSYNC_RENAMEAT2", raw: "false", want: "refused" },
  { name: "PEERSYNC_RENAMEAT2", raw: " 0", want: "refused" },
  { name: "PEERSYNC_NATIVE_STAT", raw: "0", want: "0" },
  { name: "PEERSYNC_NATIVE_STAT", raw: "no", want: "refused" },
  { name: "PEERSYNC_BATCH_SYNCFS", raw: "2", want: "refused" },
  { name: "PEERSYNC_CHECK_WORKER", raw: "0", want: "0" },
  { name: "PEERSYNC_NATIVE_READ", raw: "1", want: "1" },
  { name: "PEERSYNC_NATIVE_WRITE", raw: "disabled", want: "refused" },
  { name: "PEERSYNC_NATIVE_TIMES", raw: "0", want: "0" },
  { name: "PEERSYNC_NATIVE_TIMES", raw: "us", want: "refused" },
  { name: "PEERSYNC_RAW_LSTAT", raw: "0", want: "0" },
  { name: "PEERSYNC_LOG_FORMAT", raw: "json", want: "json" },
  { name: "PEERSYNC_LOG_FORMAT", raw: "text", want: "text" },
  { name: "PEERSYNC_LOG_FORMAT", raw: "JSON", want: "refused" },
  { name: "PEERSYNC_LOG_FORMAT", raw: "jsonl", want: "refused" },
];
tableTests("switchValue", switches, switchValue, "");

test("PEERSYNC_PROGRESS is left to its own fallback: a typo is not a reason to stop a cron job", () => {
  checkTunables({ PEERSYNC_PROGRESS: "sometimes" });
});
