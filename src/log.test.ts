import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { setImmediate as nextTurn } from "node:timers/promises";
import { test } from "node:test";
import { batchedStream, createLogger, formatText, levelFor } from "./log.js";

const levels: readonly (readonly [number, string])[] = [[0, "warn"], [1, "info"], [2, "debug"], [3, "trace"], [7, "trace"], [-1, "error"], [-3, "error"]];
for (const [verbose, want] of levels) {
  test(`levelFor() maps -v count ${verbose} to ${want}`, () => assert.equal(levelFor(verbose), want));
}

function capture(format: "json" | "text", verbose: number): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ verbose, name: "check", format, destination: { write: (s: string) => void lines.push(s) } });
  return { log, lines };
}

test("createLogger() drops lines below the level", () => {
  const { log, lines } = capture("json", 0);
  log.info("quiet");
  log.warn("loud");
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0] as string).msg, "loud");
});

test("createLogger() writes JSON with name and level label", () => {
  const { log, lines } = capture("json", 2);
  log.debug({ path: "/etc/hosts" }, "Marking file as dirty");
  const record = JSON.parse(lines[0] as string);
  assert.equal(record.level, "debug");
  assert.equal(record.name, "check");
  assert.equal(record.path, "/etc/hosts");
});

test("createLogger() text format is one readable line", () => {
  const { log, lines } = capture("text", 1);
  log.info({ path: "/etc/a b", peer: "h2" }, "Updating");
  assert.deepEqual(lines, ['peersync check: info: Updating path="/etc/a b" peer=h2\n']);
});

const texts: readonly { readonly line: object; readonly want: string }[] = [
  { line: { level: "warn", msg: "m" }, want: "peersync: warn: m\n" },
  { line: { level: "error", name: "net", msg: "x", err: { type: "Error", message: "boom", stack: "…" } }, want: 'peersync net: error: x err="boom"\n' },
  { line: { level: "info", msg: "", n: 3, ok: true }, want: "peersync: info: n=3 ok=true\n" },
  { line: { level: "info", time: 1, pid: 7, hostname: "h", name: "daemon", msg: "received a", path: "%data%/a b", batch: true, nested: { k: [1] }, none: null }, want: 'peersync daemon: info: received a path="%data%/a b" batch=true nested={"k":[1]} none=null\n' },
  { line: { level: "warn" }, want: "peersync: warn: \n" },
];
for (const c of texts) {
  test(`formatText() renders ${JSON.stringify(c.line)}`, () => assert.equal(formatText(JSON.stringify(c.line)), c.want));
}

test("batchedStream() writes the lines of one turn in one write, after the turn", async () => {
  const writes: string[] = [];
  const stream = batchedStream({ write: (s: string) => void writes.push(s) });
  stream.write("a\n");
  stream.write("b\n");
  assert.deepEqual(writes, []);
  await nextTurn();
  assert.deepEqual(writes, ["a\nb\n"]);
  stream.write("c\n");
  await nextTurn();
  assert.deepEqual(writes, ["a\nb\n", "c\n"]);
});

test("batchedStream() writes at once when the lines reach maxBytes", () => {
  const writes: string[] = [];
  const stream = batchedStream({ write: (s: string) => void writes.push(s) }, 8);
  stream.write("1234\n");
  assert.deepEqual(writes, []);
  stream.write("5678\n");
  assert.deepEqual(writes, ["1234\n5678\n"]);
});

test("createLogger({batched}) loses no line when the process exits right after logging", () => {
  const url = new URL("./log.js", import.meta.url).href;
  const script = `import { createLogger } from ${JSON.stringify(url)};
    const log = createLogger({ verbose: 1, name: "daemon", batched: true });
    log.info("one"); log.warn("two"); process.exit(3);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 3);
  assert.equal(r.stderr, "peersync daemon: info: one\npeersync daemon: warn: two\n");
});
