// The peersync_fs addon (native/, built by `make build`), loaded once for every module that
// uses one of its functions: stat-native.ts (statAt), read-batch.ts (readFiles), sync-fs.ts
// (syncfs), temp-writer.ts (writeFiles). Each checks for its own function and its own switch
// (PEERSYNC_NATIVE_*), and falls back to plain Node when the addon or the function is missing
// (an older build, a platform where it does not build).

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// Relative to dist/src/fs/fs-addon.js, where tsc puts this file (the bundle sits at the same depth).
const ADDON_PATH = fileURLToPath(new URL("../../../native/build/Release/peersync_fs.node", import.meta.url));

let addon: Readonly<Record<string, unknown>> | null | undefined;

/** The addon's exports, or undefined when it is not built. */
export function fsAddon(): Readonly<Record<string, unknown>> | undefined {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)(ADDON_PATH) as Record<string, unknown>;
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}
