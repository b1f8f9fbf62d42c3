// The lstat worker thread (stat-pool.ts): answers {id, paths} with the statBatch() of the
// paths, its typed arrays transferred, not copied.

import { parentPort } from "node:worker_threads";
import { statBatch } from "./stat-batch.js";

parentPort?.on("message", (msg: { id: number; paths: (string | Uint8Array)[] }) => {
  const batch = statBatch(msg.paths);
  parentPort?.postMessage({ id: msg.id, ...batch }, [batch.fields.buffer as ArrayBuffer, batch.status.buffer as ArrayBuffer]);
});
