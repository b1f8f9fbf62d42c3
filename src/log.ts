// The structured logger every module uses: pino, writing to stderr (stdout is for command
// output, and for `daemon --inetd` it is the peer's connection). The level follows csync2's -v
// count: 0 warn, 1 info, 2 debug, 3 and more trace; -q (a count of -1) logs errors only. Lines are JSON for machines (the journal,
// log shippers) or one readable line each for people; either way they are written
// synchronously, so nothing is lost when the process exits right after logging. The daemon
// (`batched`) gathers the lines of one event-loop turn into one write instead: it logs one
// line per received file, and a write each was ~4 % of its main thread in bench/sync (a).
// Those lines still reach stderr before the process exits, whatever ends it short of a kill.

import { pino, type DestinationStream, type Logger } from "pino";
import { shownName } from "./core/shown-name.js";

export type { Logger };

export type LogLevel = "error" | "warn" | "info" | "debug" | "trace";
export type LogFormat = "json" | "text";

export interface CreateLoggerOptions {
  /** How many -v were given. @default 0 */
  readonly verbose?: number;
  /** The component, carried on every line ("check", "daemon", "net"). */
  readonly name?: string;
  /** "text": `peersync check: warn: message key=value`; "json": pino's lines. @default "text" */
  readonly format?: LogFormat;
  /** Where lines go. @default stderr */
  readonly destination?: DestinationStream;
  /** Gather the lines of one event-loop turn into one write (long-running, chatty processes). @default false */
  readonly batched?: boolean;
}

const LEVELS: readonly LogLevel[] = ["warn", "info", "debug", "trace"];

/** The pino level for a -v count. */
export function levelFor(verbose: number): LogLevel {
  if (verbose < 0) return "error";
  const index = Math.min(Math.max(Math.trunc(verbose), 0), LEVELS.length - 1);
  return LEVELS[index] as LogLevel;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const target = options.destination ?? pino.destination({ fd: 2, sync: true });
  const stderr = options.batched ? batchedStream(target) : target;
  const destination = (options.format ?? "text") === "text" ? textStream(stderr) : stderr;
  return pino(
    {
      level: levelFor(options.verbose ?? 0),
      ...(options.name === undefined ? {} : { name: options.name }),
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Lines written this turn of the event loop at the latest, in one write; every one of them also at exit. */
export function batchedStream(target: DestinationStream, maxBytes = 64 * 1024): DestinationStream {
  let pending: string[] = [];
  let bytes = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.length === 1 ? pending[0]! : pending.join("");
    pending = [];
    bytes = 0;
    target.write(text);
  };
  process.on("exit", flush);
  return {
    write: (line: string) => {
      pending.push(line);
      bytes += line.length;
      if (bytes >= maxBytes) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}

/** Rewrites each JSON line into `peersync[ name]: level: msg key=value ...`. */
function textStream(target: DestinationStream): DestinationStream {
  return { write: (line: string) => target.write(formatText(line)) };
}

const HIDDEN = new Set(["level", "time", "pid", "hostname", "name", "msg"]);

/** One pino JSON line → one human line. Exported for tests. */
export function formatText(line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  const who = typeof record["name"] === "string" ? `peersync ${record["name"]}` : "peersync";
  // One pass, no intermediate arrays: the daemon formats a line per received file.
  // A message may quote a file name: escaped, so the line stays one line (core/shown-name.ts).
  let text = typeof record["msg"] === "string" ? shownName(record["msg"]) : "";
  for (const key in record) {
    if (HIDDEN.has(key)) continue;
    const field = `${key}=${fieldText(record[key])}`;
    text = text === "" ? field : `${text} ${field}`;
  }
  return `${who}: ${String(record["level"])}: ${text}\n`;
}

const BARE = /^[^\s"=]+$/;

function fieldText(value: unknown): string {
  if (typeof value === "string") return BARE.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === "object" && "message" in value) {
    // pino serialises an `err` field as {type, message, stack}: the message is what helps here.
    return JSON.stringify((value as { message: unknown }).message);
  }
  return JSON.stringify(value);
}
