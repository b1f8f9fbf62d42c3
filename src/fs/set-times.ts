// A version's mtime (and atime) set on a file, to the nanosecond: the addon's futimens or
// utimensat (native/src/set-times.cc). Node's futimes/utimes/lutimes take a double of seconds,
// which libuv cuts to the microsecond, where the version's writer holds the nanosecond. Where
// the addon or its function is missing (an older build, PEERSYNC_NATIVE_TIMES=0) they set the
// microsecond, which peers still decide alike on (core/entry.ts mtimeKey).

import { futimesSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { fsAddon } from "./fs-addon.js";
import { nsTimespec, utimeArg } from "./file-times.js";

type SetTimes = (target: number | string | Buffer, sec: number, nsec: number, noFollow: boolean) => void;

let chosen: SetTimes | null | undefined;

function nativeSetTimes(): SetTimes | undefined {
  if (chosen === undefined) {
    const addon = process.env["PEERSYNC_NATIVE_TIMES"] === "0" ? undefined : (fsAddon() as { setTimes?: SetTimes } | undefined);
    chosen = typeof addon?.setTimes === "function" ? addon.setTimes.bind(addon) : null;
  }
  return chosen ?? undefined;
}

/** Whether times are set to the nanosecond here (else to the microsecond). */
export function setsNanoseconds(): boolean {
  return nativeSetTimes() !== undefined;
}

/** Sets both times of the open file `fd` to `ns` (since the epoch). Synchronous: one inode update. */
export function setFdTimes(fd: number, ns: bigint): void {
  const native = nativeSetTimes();
  if (native === undefined) {
    const t = utimeArg(ns);
    futimesSync(fd, t, t);
    return;
  }
  const [sec, nsec] = nsTimespec(ns);
  native(fd, sec, nsec, false);
}

/** Sets both times of `path` to `ns`; with `noFollow`, of a symlink itself. */
export async function setPathTimes(path: string | Buffer, ns: bigint, options: { readonly noFollow: boolean }): Promise<void> {
  const native = nativeSetTimes();
  if (native === undefined) {
    const t = utimeArg(ns);
    await (options.noFollow ? fsp.lutimes(path, t, t) : fsp.utimes(path, t, t));
    return;
  }
  const [sec, nsec] = nsTimespec(ns);
  native(path, sec, nsec, options.noFollow);
}
