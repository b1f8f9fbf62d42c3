import assert from "node:assert/strict";
import { test } from "node:test";
import type { ProbeDir, ProbeResult } from "./dir-probe.js";
import { ProbeAhead } from "./probe-ahead.js";

/** A probe that records which directories it was asked for, in order. */
function recorder(): { probe: ProbeDir; calls: string[] } {
  const calls: string[] = [];
  const probe: ProbeDir = (dirFs) => {
    calls.push(String(dirFs));
    return Promise.resolve({ error: ["ENOENT", String(dirFs)] } as ProbeResult);
  };
  return { probe, calls };
}

const dirs = (...paths: string[]) => paths.map((path) => ({ path, fsPath: path }));

test("ProbeAhead starts the walk's next directories depth first, each once, at most `hold` held", async () => {
  const { probe, calls } = recorder();
  const ahead = new ProbeAhead(probe, 1, 2, 2);
  ahead.want(dirs("/a", "/b", "/c"));
  assert.deepEqual(calls, ["/a", "/b"]);
  await ahead.take(dirs("/a")[0]!);
  assert.deepEqual(calls, ["/a", "/b", "/c"]);
  ahead.want(dirs("/a/1", "/a/2")); // /a's children come before /b and /c in the walk
  assert.deepEqual(calls, ["/a", "/b", "/c"], "two are held: nothing more starts");
  for (const path of ["/a/1", "/a/2", "/b", "/c"]) assert.match(JSON.stringify(await ahead.take(dirs(path)[0]!)), new RegExp(path));
  assert.deepEqual(calls, ["/a", "/b", "/c", "/a/1", "/a/2"]);
});

test("ProbeAhead: probes that are done do not hold back the walked directory's children", async () => {
  const { probe, calls } = recorder();
  const ahead = new ProbeAhead(probe, 1, 2, 100);
  ahead.want(dirs("/s1", "/s2", "/s3", "/s4", "/s5", "/s6"));
  assert.deepEqual(calls, ["/s1", "/s2"], "two in flight at most");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, ["/s1", "/s2", "/s3", "/s4", "/s5", "/s6"], "each done one makes room for the next");
  await ahead.take(dirs("/s1")[0]!);
  ahead.want(dirs("/s1/x", "/s1/y"));
  assert.deepEqual(calls.slice(6), ["/s1/x", "/s1/y"], "five siblings done and held, the children start at once");
});
