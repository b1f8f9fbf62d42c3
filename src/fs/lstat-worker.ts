// The lstat worker thread (stat-pool.ts): answers a message of {id, paths} requests with one
// message of their statBatch() results, the typed arrays transferred, not copied.

import { parentPort } from "node:worker_threads";
import type { StatRequest } from "./stat-pool.js";
import { statBatch } from "./stat-batch.js";

parentPort?.on("message", (requests: StatRequest[]) => {
  const results = requests.map((r) => ({ id: r.id, ...statBatch(r.paths) }));
  const transfer = results.flatMap((b) => [b.fields.buffer as ArrayBuffer, b.status.buffer as ArrayBuffer]);
  parentPort?.postMessage(results, transfer);
});
