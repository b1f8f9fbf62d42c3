import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger, formatText, levelFor } from "./log.js";

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
];
for (const c of texts) {
  test(`formatText() renders ${JSON.stringify(c.line)}`, () => assert.equal(formatText(JSON.stringify(c.line)), c.want));
}
