// The daemon's side of its runtime record (runtime-record.ts): written once it is ready, again
// with its answer to each reload, removed at stop. `peersync reload` (systemctl reload) waits on
// that answer. Apart from daemon.ts, whose concern is listening and serving; a record that
// cannot be written is logged once and never stops the daemon.

import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import { messageOf } from "../errors.js";
import { removeRecord, writeRecord, type ReloadVerdict } from "./runtime-record.js";

export class DaemonRecordKeeper {
  #startedAtMs = 0;
  #reloads = 0;
  #lastReload: ReloadVerdict | null = null;
  #failed = false;

  /** `dir` undefined: no record (tests that drive the Daemon class). */
  constructor(private readonly dir: string | undefined, private readonly logger: Logger, private readonly processStartedMs: number) {}

  /** The daemon is ready under `config`. */
  started(config: Config, atMs: number): void {
    this.#startedAtMs = atMs;
    this.#publish(config);
  }

  /** Records the answer to a reload (`config`: the one now in force); returns `ok`. */
  answer(config: Config, ok: boolean, message: string, hint: string | null): boolean {
    this.#reloads++;
    this.#lastReload = { atMs: Date.now(), ok, message, hint };
    this.#publish(config);
    return ok;
  }

  /** A stopped daemon answers no reload: `peersync reload` then says none runs. */
  remove(): void {
    if (this.dir === undefined) return;
    try {
      removeRecord(this.dir, process.pid);
    } catch (err) {
      this.logger.warn({ err: messageOf(err), dir: this.dir }, `cannot remove this daemon's record in ${this.dir}: ${messageOf(err)}`);
    }
  }

  #publish(config: Config): void {
    const dir = this.dir;
    if (dir === undefined) return;
    try {
      writeRecord(dir, {
        pid: process.pid, node: config.localName, stateDir: config.stateDir, configFile: config.file, processStartedMs: Math.round(this.processStartedMs),
        startedAtMs: this.#startedAtMs, reloads: this.#reloads, lastReload: this.#lastReload,
      });
    } catch (err) {
      if (this.#failed) return;
      this.#failed = true;
      this.logger.warn({ err: messageOf(err), dir },
        `cannot write this daemon's record in ${dir}: \`peersync reload\` (systemctl reload) cannot learn its answer to a reload: ${messageOf(err)}`);
    }
  }
}
