// The whole pipeline, text → Config, with I/O passed in: lexer (with `config` includes) →
// parser → resolver. Every error of every stage comes back in one ConfigErrors. Pure.

import { ConfigErrors, type ConfigError, type Location } from "../errors.js";
import { tokenize, type IncludeReader, type Source } from "./lexer.js";
import { parse } from "./parser.js";
import { orderErrors, resolve } from "./resolve.js";
import type { Config } from "./types.js";

export interface CompileOptions {
  /** The local node name; lowercased here as csync2 does. */
  readonly localName: string;
  readonly stateDir?: string | undefined;
  readonly port?: number | undefined;
  /** Reads a key file by absolute path (throws an Error with `code`). */
  readonly readFile: (path: string) => string;
  /** Resolves and reads a `config` include. */
  readonly readInclude: IncludeReader;
  /** Base of relative key paths. */
  readonly keyDir: string;
}

/** Where the parser reports "missing } at end of file". */
function endOf(source: Source): Location {
  const lines = source.text.split("\n");
  return { file: source.file, line: lines.length, column: (lines[lines.length - 1] as string).length + 1 };
}

export function compileConfig(main: Source, options: CompileOptions): Config {
  const { tokens, errors: lexErrors } = tokenize(main, options.readInclude);
  const { ast, errors: parseErrors } = parse(tokens, endOf(main));
  const early: ConfigError[] = [...lexErrors, ...parseErrors];
  try {
    const config = resolve(ast, {
      file: main.file,
      localName: options.localName.toLowerCase(),
      stateDir: options.stateDir,
      port: options.port,
      readFile: options.readFile,
      keyDir: options.keyDir,
      partial: early.length > 0,
    });
    if (early.length > 0) throw new ConfigErrors(early);
    return config;
  } catch (err) {
    if (!(err instanceof ConfigErrors) || early.length === 0) throw err;
    const later = err.errors.filter((e) => !early.includes(e));
    throw new ConfigErrors(orderErrors([...early, ...later]));
  }
}
