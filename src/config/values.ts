// Typed values from config words: integers, ports, durations, yes/no, absolute paths, host
// addresses, key file text. Each returns the value or throws a ConfigError that names the
// statement, quotes the word and says what was expected. Pure.

import { ConfigError } from "../errors.js";
import type { Word } from "./ast.js";
import { suggest } from "./hints.js";

export function integer(word: Word, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(word.text) || Number(word.text) < min || Number(word.text) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new ConfigError(`Cannot use ${what} ${JSON.stringify(word.text)}: expected ${range}`, word.at, {
      hint: `write digits only, e.g. ${what.split(" ")[0]} ${min === 0 ? 3 : min};`,
    });
  }
  return Number(word.text);
}

export function port(word: Word, what = "port"): number {
  return integer(word, what, 1, 65535);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `5m`, `1h`, `1d` → milliseconds. A unit is required: `30` could mean either. */
export function duration(word: Word, what: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(word.text);
  if (m === null) {
    const hint = /^\d+$/.test(word.text) ? `add a unit: ${word.text}s or ${word.text}ms` : "write a number and a unit: ms, s, m, h or d (e.g. 500ms, 1h)";
    throw new ConfigError(`Cannot use ${what} ${JSON.stringify(word.text)}: expected a duration like 500ms, 30s or 1h`, word.at, { hint });
  }
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

export function yesNo(word: Word, what: string): boolean {
  if (word.text === "yes") return true;
  if (word.text === "no") return false;
  const hint = ["true", "on", "1", "enabled"].includes(word.text) ? 'did you mean "yes"?' : suggest(word.text, ["yes", "no"]);
  throw new ConfigError(`Cannot use ${what} ${JSON.stringify(word.text)}: expected yes or no`, word.at, { hint });
}

export function absolutePath(word: Word, what: string): string {
  if (!word.text.startsWith("/")) {
    throw new ConfigError(`Cannot use ${what} ${JSON.stringify(word.text)}: expected an absolute path`, word.at, {
      hint: "start the path with /",
    });
  }
  return stripSlashes(word.text);
}

export function stripSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}

/** `addr`, `addr:port`, `[v6]`, `[v6]:port`, or a bare IPv6 literal (several colons, no port). */
export function address(word: Word, defaultPort: number): { address: string; port: number } {
  const text = word.text.toLowerCase();
  const bad = (why: string): ConfigError =>
    new ConfigError(`Cannot use host address ${JSON.stringify(word.text)}: ${why}`, word.at, {
      hint: "write NAME@ADDRESS or NAME@ADDRESS:PORT (IPv6 with a port: NAME@[::1]:30865)",
    });
  const portOf = (p: string): number => {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw bad(`port ${JSON.stringify(p)} is not from 1 to 65535`);
    return Number(p);
  };
  if (text.startsWith("[")) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    if (m === null) throw bad("unbalanced [ ]");
    return { address: m[1] as string, port: m[2] === undefined ? defaultPort : portOf(m[2]) };
  }
  const colons = text.split(":").length - 1;
  if (colons === 1) {
    const [host, p] = text.split(":") as [string, string];
    if (host === "") throw bad("the address is empty");
    return { address: host, port: portOf(p) };
  }
  return { address: text, port: defaultPort };
}

/** csync2's rules for the first line of a key file: [A-Za-z0-9._], at least 32 characters. */
export function keyFromText(text: string, file: string, at: Word["at"]): string {
  const newline = text.indexOf("\n");
  const line = newline < 0 ? text : text.slice(0, newline);
  // keygen never overwrites, so the hint names a new file rather than this one.
  const hint = `generate a valid key with \`peersync -k NEWFILE\` (it never overwrites a file), name NEWFILE in the group's key statement and copy it to every node`;
  if (text.length === 0) throw new ConfigError(`Cannot read key file "${file}": it is empty`, at, { hint });
  const badAt = line.search(/[^A-Za-z0-9._]/);
  if (badAt >= 0) {
    throw new ConfigError(`Cannot use key file "${file}": character ${JSON.stringify(line[badAt])} at column ${badAt + 1} of its first line is not allowed`, at, {
      hint: `a key contains only A-Z a-z 0-9 . _; ${hint}`,
    });
  }
  if (line.length < 32) {
    throw new ConfigError(`Cannot use key file "${file}": the key is too short (${line.length} characters, at least 32)`, at, { hint });
  }
  return line;
}
