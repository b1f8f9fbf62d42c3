// csync2.cfg text → tokens, exactly as csync2's flex scanner (cfgfile_scanner.l) splits it:
//   - punctuation { } ( ) ; : @ ; `#` starts a comment to the end of the line;
//   - "quoted" strings run to the next `"` (newlines allowed, no escapes); `""` yields no token;
//   - a bare word is [^ \r\n\t@;()#"]* ending in anything but `:` (so `a:b` is one word and
//     `on *: /x` splits at the colon), and `{`/`}` inside a longer run stay part of the word;
//   - a bare word spelled like a keyword is that keyword (flex: equal length → first rule wins);
//   - `config` switches to include mode: every following name up to `;` is a file spliced in
//     at that point (lexer level, so it works anywhere, even inside a statement).
// Pure: reading an included file is the caller's callback.

import { ConfigError, type Location } from "../errors.js";

/** csync2's reserved words: a host or file spelled like one must be quoted. */
export const RESERVED = new Set([
  "nossl", "ignore", "database", "group", "host", "exclude", "include", "compare", "key", "auto",
  "action", "pattern", "exec", "logfile", "do-local", "do-local-only", "prefix", "on",
  "lock-timeout", "tempdir", "backup-directory", "backup-generations", "no-cygwin-lowercase",
]);

export type Punct = "{" | "}" | "(" | ")" | ";" | ":" | "@";

export type Token =
  | { readonly type: "punct"; readonly text: Punct; readonly at: Location }
  /** A bare word that spells a reserved keyword. */
  | { readonly type: "keyword"; readonly text: string; readonly at: Location }
  /** Any other bare word, or a quoted string (then `quoted` is true). */
  | { readonly type: "word"; readonly text: string; readonly quoted: boolean; readonly at: Location };

export interface Source {
  readonly file: string;
  readonly text: string;
}

/** Reads an included file: `name` as written, `from` the including file's location. */
export type IncludeReader = (name: string, from: Location) => Source;

/** csync2 gives up beyond this depth ("Config includes nested too deeply."). */
export const MAX_INCLUDE_DEPTH = 10;

const WHITESPACE = new Set([" ", "\r", "\n", "\t"]);
const PUNCT = new Set(["{", "}", "(", ")", ";", ":", "@"]);
const WORD_STOP = new Set([" ", "\r", "\n", "\t", "@", ";", "(", ")", "#", '"']);

type RawToken = Token | { readonly type: "include"; readonly text: string; readonly at: Location };

/** Splits one file's text; include names come back as "include" pseudo-tokens. */
export function scan(source: Source): RawToken[] {
  const { file, text } = source;
  const out: RawToken[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (pos: number): Location => ({ file, line, column: pos - lineStart + 1 });
  // Advances over text[i..end) keeping line/column right (strings and comments may span lines).
  const advance = (end: number): void => {
    for (; i < end; i++) {
      if (text[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
    }
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (WHITESPACE.has(c)) {
      advance(i + 1);
    } else if (c === "#") {
      let end = i;
      while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
      advance(end);
    } else if (c === '"') {
      const at = here(i);
      let end = text.indexOf('"', i + 1);
      if (end < 0) end = text.length;
      // flex: an empty quoted string matches no token at all.
      if (end > i + 1) out.push({ type: "word", text: text.slice(i + 1, end), quoted: true, at });
      advance(Math.min(end + 1, text.length));
    } else {
      const at = here(i);
      let end = i;
      while (end < text.length && !WORD_STOP.has(text[end] as string)) end++;
      // The word may contain ':' but not end with it.
      while (end > i && text[end - 1] === ":") end--;
      if (end === i || (end === i + 1 && PUNCT.has(c))) {
        out.push({ type: "punct", text: c as Punct, at });
        advance(i + 1);
      } else {
        const word = text.slice(i, end);
        advance(end);
        if (word === "config") {
          scanIncludeNames(text, out, { get: () => i, set: advance, here });
        } else if (RESERVED.has(word)) {
          out.push({ type: "keyword", text: word, at });
        } else {
          out.push({ type: "word", text: word, quoted: false, at });
        }
      }
    }
  }
  return out;
}

interface Cursor {
  get(): number;
  set(end: number): void;
  here(pos: number): Location;
}

// csync2's INCL state: names are [^ \t\r\n;]+, whitespace between them is skipped, `;` (or EOF)
// ends the list. `#` and `"` are ordinary characters here.
function scanIncludeNames(text: string, out: RawToken[], cursor: Cursor): void {
  for (;;) {
    let i = cursor.get();
    while (i < text.length && WHITESPACE.has(text[i] as string)) i++;
    cursor.set(i);
    if (i >= text.length) return;
    if (text[i] === ";") {
      cursor.set(i + 1);
      return;
    }
    let end = i;
    while (end < text.length && !WHITESPACE.has(text[end] as string) && text[end] !== ";") end++;
    out.push({ type: "include", text: text.slice(i, end), at: cursor.here(i) });
    cursor.set(end);
  }
}

const REPLACEMENT = "\uFFFD";

/**
 * A word holding U+FFFD: the config is read as UTF-8, and Node puts U+FFFD where a byte is not
 * (a latin-1 file). Such a word names nothing, silently: an exclude that never matches, a root
 * that is not there. Comments may hold any bytes.
 */
function notUtf8(t: RawToken): ConfigError {
  return new ConfigError(`Cannot read "${t.text}": it holds a byte that is not UTF-8 (shown here as U+FFFD)`, t.at, {
    hint: "peersync reads its config as UTF-8: convert the file (iconv -f LATIN1 -t UTF-8), and match a name that is not UTF-8 on disk with a * in place of its odd bytes",
  });
}

/** Tokens of `main` with every `config` include spliced in; errors for unreadable includes and words that are not UTF-8. */
export function tokenize(main: Source, read: IncludeReader): { tokens: Token[]; errors: ConfigError[] } {
  const tokens: Token[] = [];
  const errors: ConfigError[] = [];
  const expand = (source: Source, depth: number): void => {
    for (const t of scan(source)) {
      if (t.text.includes(REPLACEMENT)) errors.push(notUtf8(t));
      if (t.type !== "include") {
        tokens.push(t);
        continue;
      }
      if (depth >= MAX_INCLUDE_DEPTH) {
        errors.push(new ConfigError(`Cannot include config file "${t.text}": includes nested too deeply (more than ${MAX_INCLUDE_DEPTH})`, t.at, {
          hint: "check for a file that includes itself",
        }));
        continue;
      }
      let included: Source;
      try {
        included = read(t.text, t.at);
      } catch (err) {
        errors.push(err instanceof ConfigError ? err : new ConfigError(`Cannot include config file "${t.text}": ${String(err)}`, t.at));
        continue;
      }
      expand(included, depth + 1);
    }
  };
  expand(main, 0);
  return { tokens, errors };
}
