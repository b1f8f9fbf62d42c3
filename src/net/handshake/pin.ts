// Trust on first use: the first connection on which a host proved the group key records its
// certificate; every later one must present the same certificate. Called only after the proof
// checked out, so a stranger can never plant a pin.

import { AuthError } from "../../errors.js";
import type { PinStore } from "../../index/pins.js";
import { fingerprint } from "../identity.js";

export interface PinResult {
  readonly fingerprint: string;
  /** True when this contact created the pin. */
  readonly pinned: boolean;
}

/** `local` is this node's name: the refusal travels to `host` too, and must say where to reset. */
export function checkPin(pins: PinStore, host: string, group: string, der: Buffer, now: number, local: string): PinResult {
  const presented = fingerprint(der);
  const existing = pins.get(host);
  // pin() returns the pin in force: when two first contacts race, the loser compares with it.
  const known = existing ?? pins.pin(host, presented, der, group, now);
  if (known.fingerprint !== presented) throw changedCertificate(host, known.fingerprint, presented, local);
  if (existing) pins.touch(host, now);
  return { fingerprint: presented, pinned: existing === undefined };
}

/**
 * The refusal of a changed certificate. The server's is also sent to the connecting node, where
 * "this node" would point at the wrong host, so it names the node that holds the pin (`local`).
 * The message says what changed and the hint what to do, once: the unreachable line prints
 * both, and it said the reset twice when the message carried it too. The serving daemon logs
 * the hint with the message (net/server.ts), so its line still says what to run, and where.
 */
export function changedCertificate(host: string, pinned: string, presented: string, local: string): AuthError {
  return new AuthError(`Cannot trust host "${host}": its certificate changed (pinned ${pinned}, presented ${presented})`, {
    hint: `if "${host}" was reinstalled, verify its new fingerprint there with \`peersync status\`, then run \`peersync trust --reset ${host}\` on node "${local}"`,
  });
}
