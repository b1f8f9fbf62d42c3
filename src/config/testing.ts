// Test helpers: compile config text against an in-memory set of files (keys, includes), so
// parser and resolver tables need no disk. Used by *.test.ts only.

import { ConfigError, ConfigErrors } from "../errors.js";
import { compileConfig } from "./compile.js";
import type { Config } from "./types.js";

export const GOOD_KEY = "abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
export const MAIN_FILE = "/etc/csync2.cfg";

export interface TextOptions {
  /** Local node name. @default "a" */
  readonly node?: string;
  /** Extra files by absolute path; /etc/csync2.key holds GOOD_KEY unless overridden. */
  readonly files?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly stateDir?: string;
}

function notFound(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
}

export function compileText(text: string, options: TextOptions = {}): Config {
  const files: Record<string, string> = { "/etc/csync2.key": `${GOOD_KEY}\n`, ...options.files };
  const read = (path: string): string => {
    const content = files[path];
    if (content === undefined) throw notFound(path);
    return content;
  };
  return compileConfig({ file: MAIN_FILE, text }, {
    localName: options.node ?? "a",
    port: options.port,
    stateDir: options.stateDir,
    keyDir: "/etc",
    readFile: read,
    readInclude: (name, from) => {
      const path = name.startsWith("/") ? name : `/etc/${name}`;
      try {
        return { file: path, text: read(path) };
      } catch {
        throw new ConfigError(`Cannot read included config file "${path}": no such file`, from);
      }
    },
  });
}

/** The errors compiling `text` reports; fails when it compiles. */
export function errorsOf(text: string, options: TextOptions = {}): readonly ConfigError[] {
  try {
    compileText(text, options);
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors;
    throw err;
  }
  throw new Error(`expected config errors, but the config compiled:\n${text}`);
}

/** A minimal valid group around `body` for node "a". */
export function group(body: string, hosts = "a b"): string {
  return `group g {\n  host ${hosts};\n  key csync2.key;\n${body}\n}\n`;
}
