// The parser's view of the token list: a cursor with lookahead, error collection and csync2-
// aware recovery. Pure.

import { ConfigError, type Location } from "../errors.js";
import { RESERVED, type Token } from "./lexer.js";

/** A token as quoted in messages. */
export function describe(t: Token | undefined): string {
  if (t === undefined) return "end of file";
  if (t.type === "word" && t.quoted) return JSON.stringify(t.text);
  return `"${t.text}"`;
}

export class TokenCursor {
  readonly #tokens: Token[];
  readonly #eofAt: Location;
  #pos = 0;
  readonly errors: ConfigError[] = [];

  constructor(tokens: readonly Token[], eofAt: Location) {
    this.#tokens = [...tokens];
    this.#eofAt = eofAt;
  }

  peek(offset = 0): Token | undefined {
    return this.#tokens[this.#pos + offset];
  }
  next(): Token | undefined {
    return this.#tokens[this.#pos++];
  }
  advance(): void {
    this.#pos++;
  }
  /** Puts a token back in front of the cursor (recovery from glued punctuation). */
  insert(token: Token): void {
    this.#tokens.splice(this.#pos, 0, token);
  }
  at(t: Token | undefined): Location {
    return t?.at ?? this.#eofAt;
  }
  isPunct(t: Token | undefined, p: string): boolean {
    return t !== undefined && t.type === "punct" && t.text === p;
  }
  fail(message: string, at: Location, hint?: string): void {
    this.errors.push(new ConfigError(message, at, hint === undefined ? {} : { hint }));
  }

  // Error recovery: drop tokens up to and including the next `;`, or up to (not including) a
  // `}` that closes the enclosing block; nested `{...}` are skipped whole.
  skipStatement(): void {
    let depth = 0;
    for (let t = this.peek(); t !== undefined; t = this.peek()) {
      if (this.isPunct(t, "{")) depth++;
      if (this.isPunct(t, "}")) {
        if (depth === 0) return;
        depth--;
        this.#pos++;
        if (depth === 0 && !this.isPunct(this.peek(), ";")) return;
        continue;
      }
      this.#pos++;
      if (depth === 0 && this.isPunct(t, ";")) return;
    }
  }

  expectPunct(p: string, what: string): boolean {
    const t = this.peek();
    if (this.isPunct(t, p)) {
      this.#pos++;
      return true;
    }
    if (p === "{" && t?.type === "word" && !t.quoted && t.text.startsWith("{")) {
      // csync2 reads "{host" as one word; report it, then read on as if the space were there.
      this.fail(`Cannot parse ${what}: "${t.text}" is one word, not "{" and "${t.text.slice(1)}"`, t.at, 'put a space after "{"');
      const rest = t.text.slice(1);
      const at = { ...t.at, column: t.at.column + 1 };
      this.#tokens[this.#pos] = RESERVED.has(rest) ? { type: "keyword", text: rest, at } : { type: "word", text: rest, quoted: false, at };
      return true;
    }
    const hint = p === ":" && t?.type === "word" && t.text.startsWith(":") === false && /:./.test(t.text)
      ? "put a space after the colon: on HOST: PATH;"
      : `add "${p}"`;
    this.fail(`Cannot parse ${what}: expected "${p}" but found ${describe(t)}`, this.at(t), hint);
    return false;
  }
}
