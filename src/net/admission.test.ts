import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, test } from "node:test";
import { Admission } from "./admission.js";
import { captureLogger, makeConfig, makeGroup, makeHost, makeNode, serve, type TestNode } from "./testing.js";

test("Admission.admit() holds each address to its share and release() gives slots back", () => {
  const admission = new Admission(2, captureLogger().logger);
  assert.deepEqual([admission.admit("a"), admission.admit("a"), admission.admit("a"), admission.admit("b")], [true, true, false, true]);
  admission.release("a");
  assert.equal(admission.admit("a"), true);
});

test("Admission.refused() logs a burst per address, then counts what it held back", () => {
  const log = captureLogger();
  let now = 0;
  const admission = new Admission(1, log.logger, () => now);
  for (let i = 0; i < 25; i++) admission.refused("a", `a:${i}`, "refused");
  admission.refused("b", "b:1", "refused");
  assert.equal(log.records.filter((r) => String(r["remote"]).startsWith("a:")).length, 20);
  now += 10_000;
  admission.refused("a", "a:99", "refused");
  assert.equal(log.records.at(-1)?.["notLogged"], 5);
});

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test("the server closes connections beyond an address's share at once and keeps the others", async () => {
  const b = { ...makeNode("b", { maxSessionsPerAddress: 3 }), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")])]);
  const port = await serve(b);
  cleanups.push(() => b.server?.close(50));
  const sockets = await Promise.all(Array.from({ length: 5 }, () => new Promise<Socket>((resolve) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", () => undefined);
  })));
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sockets.filter((s) => s.destroyed || s.readableEnded).length, 2);
});
