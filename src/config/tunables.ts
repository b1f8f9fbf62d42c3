// The numeric PEERSYNC_* tuning variables (man page, ENVIRONMENT): one table of their ranges, so
// each refuses a bad value the same way, and every command refuses one when it starts
// (cli/program.ts), not when the value is first needed: a bad PEERSYNC_PUT_BATCH_FILES used to
// fall back to its default without a word, and a bad PEERSYNC_DELTA_JOBS failed one file mid-run.

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
  PEERSYNC_SIG_CACHE_MIN_BYTES: { min: 0, unit: "bytes" },
  PEERSYNC_SIG_CACHE_MAX_BYTES: { min: 0, unit: "bytes" },
  PEERSYNC_CHECK_THREADS: { min: 1, max: 64, unit: "threads" },
} as const satisfies Record<string, Range>;

export type TunableName = keyof typeof TUNABLES;

type Env = Readonly<Record<string, string | undefined>>;

/** The variable's value; undefined when it is unset or empty (the caller's default applies). */
export function tunable(name: TunableName, env: Env): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const range: Range = TUNABLES[name];
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= range.min && value <= max) return value;
  const expected = range.max === undefined ? `a whole number of ${range.unit}, ${range.min} or more` : `a whole number of ${range.unit} from ${range.min} to ${range.max}`;
  throw new UsageError(`Cannot use ${name}=${raw}: expected ${expected}`, {
    hint: `set ${name} to ${expected}, or unset it for the default (see ENVIRONMENT in peersync(1))`,
  });
}

/** Refuses the first bad value among the tuning variables set in `env` (a UsageError naming it). */
export function checkTunables(env: Env): void {
  for (const name of Object.keys(TUNABLES) as TunableName[]) tunable(name, env);
}
