// The PEERSYNC_* tuning variables (man page, ENVIRONMENT): one table of the numeric ones' ranges
// and one of the switches' words, so each refuses a bad value the same way, and every command
// refuses one when it starts (cli/program.ts), not when the value is first needed: a bad
// PEERSYNC_PUT_BATCH_FILES used to fall back to its default without a word, a bad
// PEERSYNC_DELTA_JOBS failed one file mid-run, and PEERSYNC_RENAMEAT2=off left renameat2 on
// (only "0" turns a switch off). PEERSYNC_PROGRESS is not here on purpose: a typo there falls
// back to drawing only on a terminal (cli/progress.ts) rather than stopping a cron job.

import { UsageError } from "../errors.js";

interface Range {
  readonly min: number;
  /** @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
  /** What the number counts, for the message. */
  readonly unit: string;
}

const TUNABLES = {
  PEERSYNC_WHOLE_FILE_BELOW: { min: 0, unit: "bytes" },
  PEERSYNC_PUT_BATCH_FILES: { min: 1, max: 256, unit: "files" },
  PEERSYNC_RESUME_MIN_BYTES: { min: 0, unit: "bytes" },
  PEERSYNC_PARTIAL_TTL_MS: { min: 1, unit: "milliseconds" },
  PEERSYNC_DELTA_JOBS: { min: 1, max: 16, unit: "jobs" },
  PEERSYNC_DELTA_PREFETCH_MIN_BYTES: { min: 0, unit: "bytes" },
  PEERSYNC_SIG_CACHE_MIN_BYTES: { min: 0, unit: "bytes" },
  PEERSYNC_SIG_CACHE_MAX_BYTES: { min: 0, unit: "bytes" },
  PEERSYNC_CHECK_THREADS: { min: 1, max: 64, unit: "threads" },
  PEERSYNC_CHECK_BATCH: { min: 1, max: 100_000, unit: "entries" },
} as const satisfies Record<string, Range>;

export type TunableName = keyof typeof TUNABLES;

/** The switches: the words each takes ("0" turns an optimisation off; it is on by default). */
const SWITCHES = {
  PEERSYNC_BATCH_SYNCFS: ["0", "1"],
  PEERSYNC_RENAMEAT2: ["0", "1"],
  PEERSYNC_CHECK_WORKER: ["0", "1"],
  PEERSYNC_NATIVE_STAT: ["0", "1"],
  PEERSYNC_NATIVE_READ: ["0", "1"],
  PEERSYNC_NATIVE_WRITE: ["0", "1"],
  PEERSYNC_NATIVE_TIMES: ["0", "1"],
  PEERSYNC_RAW_LSTAT: ["0", "1"],
  PEERSYNC_EARLY_PUSH: ["0", "1"],
  PEERSYNC_LOG_FORMAT: ["text", "json"],
} as const satisfies Record<string, readonly string[]>;

export type SwitchName = keyof typeof SWITCHES;

type Env = Readonly<Record<string, string | undefined>>;

/** The variable's value; undefined when it is unset or empty (the caller's default applies). */
export function tunable(name: TunableName, env: Env): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const range: Range = TUNABLES[name];
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= range.min && value <= max) return value;
  throw refusal(name, raw, range.max === undefined ? `a whole number of ${range.unit}, ${range.min} or more` : `a whole number of ${range.unit} from ${range.min} to ${range.max}`);
}

/** The switch's word; undefined when it is unset or empty (the default applies). */
export function switchValue(name: SwitchName, env: Env): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const words: readonly string[] = SWITCHES[name];
  if (words.includes(raw)) return raw;
  throw refusal(name, raw, words.length === 2 ? `${words[0]} or ${words[1]}` : words.join(", "));
}

/** The one way a bad value is refused: the variable, what it holds, what it takes. */
function refusal(name: string, raw: string, expected: string): UsageError {
  return new UsageError(`Cannot use ${name}=${raw}: expected ${expected}`, {
    hint: `set ${name} to ${expected}, or unset it for the default (see ENVIRONMENT in peersync(1))`,
  });
}

/** Refuses the first bad value among the tuning variables set in `env` (a UsageError naming it). */
export function checkTunables(env: Env): void {
  for (const name of Object.keys(TUNABLES) as TunableName[]) tunable(name, env);
  for (const name of Object.keys(SWITCHES) as SwitchName[]) switchValue(name, env);
}
