// Who may hold a connection slot. The server's global cap (maxSessions) keeps the daemon's
// resources bounded; a per-address cap keeps one scanner from taking every slot with silent
// connections, so peers on other addresses still get in while it is held off. Refusal logs are
// limited per address, so a flood cannot fill the disk with log lines either.

import type { Logger } from "pino";

export class Admission {
  readonly #perAddress: number;
  readonly #open = new Map<string, number>();
  readonly #lastLog = new Map<string, { at: number; logged: number; suppressed: number }>();
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(perAddress: number, logger: Logger, now: () => number = Date.now) {
    this.#perAddress = perAddress;
    this.#logger = logger;
    this.#now = now;
  }

  /** Takes a slot for `address`; false when it already holds its share. */
  admit(address: string): boolean {
    const open = this.#open.get(address) ?? 0;
    if (open >= this.#perAddress) return false;
    this.#open.set(address, open + 1);
    return true;
  }

  release(address: string): void {
    const open = (this.#open.get(address) ?? 1) - 1;
    if (open <= 0) this.#open.delete(address);
    else this.#open.set(address, open);
  }

  /**
   * Logs a refusal of a connection from `address` (`remote` is address:port for the line).
   * Up to LOG_BURST lines per address per LOG_WINDOW_MS; beyond that they are counted and the
   * count rides on the next line logged, so a flood cannot fill the disk.
   */
  refused(address: string, remote: string, msg: string, fields: Record<string, unknown> = {}): void {
    const now = this.#now();
    let window = this.#lastLog.get(address);
    if (!window || now - window.at >= LOG_WINDOW_MS) {
      if (this.#lastLog.size >= 10_000) this.#lastLog.clear(); // bounded even if sources are spoofed
      window = { at: now, logged: 0, suppressed: window?.suppressed ?? 0 };
      this.#lastLog.set(address, window);
    }
    if (window.logged >= LOG_BURST) {
      window.suppressed++;
      return;
    }
    window.logged++;
    const held = window.suppressed;
    window.suppressed = 0;
    this.#logger.warn({ remote, ...fields, ...(held > 0 ? { notLogged: held } : {}) }, msg);
  }
}

const LOG_WINDOW_MS = 10_000;
const LOG_BURST = 20;
