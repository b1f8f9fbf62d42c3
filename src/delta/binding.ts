// The only module that knows where the native addon lives. It is loaded on first use, so
// importing src/delta in a checkout without a built addon fails only when a delta is needed.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { RsyncError } from "../errors.js";

/** [rs_result, bytes consumed, bytes produced, librsync's last error message or ""] */
export type IterResult = readonly [result: number, consumed: number, produced: number, detail: string];

/** One rs_job_t. Every promise-returning call runs on the libuv thread pool. */
export interface NativeJob {
  /** One rs_job_iter(); the job must not be touched until the promise settles. */
  iter(input: Uint8Array, eof: boolean, output: Uint8Array): Promise<IterResult>;
  /** rs_build_hash_table() on the signature a loadsig job filled. */
  buildHashTable(): Promise<IterResult>;
  /** rs_job_free() now, rather than when the GC gets to it. */
  free(): void;
}

export interface RsyncAddon {
  sigBegin(blockLength: number, strongLength: number, magic: number): NativeJob;
  loadSigBegin(): NativeJob;
  /** Takes the signature out of a finished loadsig job whose hash table is built. */
  deltaBegin(loadsig: NativeJob): NativeJob;
  /** `fd` is the basis, read with pread(); it must stay open until the job is freed. */
  patchBegin(fd: number): NativeJob;
  strerror(result: number): string;
  /** rs_sig_args(): [rs_result, magic, blockLength, strongLength, detail] */
  sigArgs(basisSize: number, magic: number, blockLength: number, strongLength: number): readonly [number, number, number, number, string];
  readonly librsyncVersion: string;
}

// Relative to dist/src/delta/binding.js, where tsc puts this file.
const ADDON_PATH = fileURLToPath(new URL("../../../native/build/Release/peersync_rsync.node", import.meta.url));

let addon: RsyncAddon | undefined;

export function rsyncAddon(): RsyncAddon {
  if (addon === undefined) addon = load();
  return addon;
}

function load(): RsyncAddon {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as RsyncAddon;
  } catch (err) {
    throw new RsyncError("RS_NO_ADDON", `Cannot load the librsync addon "${ADDON_PATH}"`, {
      cause: err,
      hint: "build it with `make build` (needs the librsync-dev package)",
    });
  }
}
