// Progress of a long check or sync on stderr: one line, redrawn in place at most every 100 ms,
// only when stderr is a terminal (a cron job's mail or a log file never sees it) and never with
// -q. The line says what is done (files, bytes), the rate and, when the total is known, the
// time left. formatProgress() is pure; ProgressLine owns the throttle and the terminal codes.

/** PEERSYNC_PROGRESS: "auto" (a terminal on stderr), "always" (tests, `script`), "never". */
export type ProgressMode = "auto" | "always" | "never";

export interface ProgressState {
  /** "check", "sync", "update". */
  readonly label: string;
  /** What the files are: "scanned" for a check, "done" for a push. */
  readonly verb: string;
  readonly files: number;
  /** Known total of files, when there is one (sync: the pending rows; check: the index's entries). */
  readonly totalFiles?: number | undefined;
  /** Bytes moved so far, when the work moves bytes (sync). */
  readonly bytes?: number | undefined;
  readonly totalBytes?: number | undefined;
  /** Milliseconds since the start. */
  readonly elapsedMs: number;
}

/** `check: 12,345 files scanned (of ~20,000), 4,100 files/s, ETA 0:02` and the like. Pure. */
export function formatProgress(s: ProgressState): string {
  const seconds = s.elapsedMs / 1000;
  const parts = [`${s.label}: ${count(s.files)}${s.totalFiles !== undefined ? `/${count(Math.max(s.totalFiles, s.files))}` : ""} files ${s.verb}`];
  if (s.bytes !== undefined) {
    parts.push(`${bytes(s.bytes)}${s.totalBytes !== undefined ? `/${bytes(Math.max(s.totalBytes, s.bytes))}` : ""}`);
  }
  if (seconds >= 0.5) {
    parts.push(s.bytes !== undefined && s.bytes > 0 ? `${bytes(s.bytes / seconds)}/s` : `${count(Math.round(s.files / seconds))} files/s`);
    const eta = etaSeconds(s, seconds);
    if (eta !== undefined) parts.push(`ETA ${clock(eta)}`);
  }
  return parts.join(", ");
}

/** Seconds left from the rate so far: by bytes when both totals are known, else by files. */
export function etaSeconds(s: ProgressState, seconds: number): number | undefined {
  if (seconds <= 0) return undefined;
  const byBytes = s.bytes !== undefined && s.totalBytes !== undefined && s.bytes > 0 && s.totalBytes > 0;
  const [done, total] = byBytes ? [s.bytes!, s.totalBytes!] : [s.files, s.totalFiles];
  if (total === undefined || done <= 0) return undefined;
  return Math.max(0, Math.round(((total - Math.min(done, total)) * seconds) / done));
}

function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Whether to draw: the mode from PEERSYNC_PROGRESS, stderr being a terminal, and -q/--json. */
export function progressWanted(env: { readonly PEERSYNC_PROGRESS?: string | undefined }, stderrIsTty: boolean, quiet: boolean): boolean {
  const mode = parseMode(env.PEERSYNC_PROGRESS);
  if (quiet || mode === "never") return false;
  return mode === "always" || stderrIsTty;
}

function parseMode(value: string | undefined): ProgressMode {
  // An unknown value falls back to "auto": a typo must not draw into a cron job's mail.
  return value === "always" || value === "never" ? value : "auto";
}

export interface ProgressLineOptions {
  /** Raw text to stderr. */
  readonly write: (text: string) => void;
  /** Milliseconds, monotonic. @default performance.now */
  readonly now?: () => number;
  /** Least time between two redraws. @default 100 (10 per second) */
  readonly intervalMs?: number;
}

/** The state a caller updates; the line is redrawn from it when the interval has passed. */
export type ProgressUpdate = Omit<ProgressState, "elapsedMs" | "label" | "verb">;

/**
 * One progress line on a terminal. `update()` may be called for every file: the first call
 * draws (the operator sees at once that work started), later ones redraw only when `intervalMs`
 * has passed since the last draw. `done()` erases the line, so the command's
 * own summary (or an error) starts on a clean line.
 */
export class ProgressLine {
  readonly #write: (text: string) => void;
  readonly #now: () => number;
  readonly #interval: number;
  readonly #start: number;
  readonly #label: string;
  readonly #verb: string;
  #lastDraw = -Infinity;
  #drawn = false;
  #state: ProgressUpdate = { files: 0 };

  constructor(label: string, verb: string, options: ProgressLineOptions) {
    this.#write = options.write;
    this.#now = options.now ?? (() => performance.now());
    this.#interval = options.intervalMs ?? 100;
    this.#label = label;
    this.#verb = verb;
    this.#start = this.#now();
  }

  update(state: Partial<ProgressUpdate>): void {
    this.#state = { ...this.#state, ...state };
    const now = this.#now();
    if (now - this.#lastDraw < this.#interval) return;
    this.#lastDraw = now;
    const line = formatProgress({ ...this.#state, label: this.#label, verb: this.#verb, elapsedMs: now - this.#start });
    // \r back to the start, the line, then erase what a longer previous line left (EL).
    this.#write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  get state(): ProgressUpdate {
    return this.#state;
  }

  /** Erases the line before other output; the next update() draws it again. */
  clear(): void {
    if (this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }

  done(): void {
    if (this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }
}

/** A ProgressLine that draws nothing: what commands get when progress is not wanted. */
export const NO_PROGRESS = {
  update: (_state: Partial<ProgressUpdate>): void => {},
  done: (): void => {},
};

export type Progress = Pick<ProgressLine, "update" | "done">;
