// Tokens → ConfigAst, following csync2's bison grammar (cfgfile_parser.y) plus our extension
// statements (contextual words, not reserved, so a host may still be called "watch").
// Unlike csync2, which stops at the first "syntax error", the parser recovers at the next `;`
// or `}` and reports every error it finds, each with its position and a hint. Pure.

import type { ConfigError, Location } from "../errors.js";
import type { ActionNode, Block, ConfigAst, GroupNode, HostEntry, Statement, Word } from "./ast.js";
import { suggest } from "./hints.js";
import type { Token } from "./lexer.js";
import { parsePrefix } from "./parse-prefix.js";
import { describe, TokenCursor } from "./token-cursor.js";

/** Arity of `keyword args;` statements: exact count, or "any" (zero or more). */
type Arity = number | "any";

// Our extensions, valid at top level (global defaults) and inside groups.
const EXTENSIONS_SHARED: Record<string, Arity> = {
  port: 1, "max-delete": 1, watch: 1, debounce: 1, "rescan-interval": 1, "tombstone-retention": 1,
};

export const TOP_STATEMENTS: Record<string, Arity> = {
  nossl: 2, database: 1, tempdir: 1, ignore: "any", "lock-timeout": 1, "no-cygwin-lowercase": 0,
  ...EXTENSIONS_SHARED, "state-dir": 1,
};
export const GROUP_STATEMENTS: Record<string, Arity> = {
  include: "any", exclude: "any", compare: "any", key: 1, auto: 1,
  "backup-directory": 1, "backup-generations": 1, ...EXTENSIONS_SHARED,
};
export const ACTION_STATEMENTS: Record<string, Arity> = {
  pattern: "any", exec: "any", logfile: 1, "do-local": 0, "do-local-only": 0, timeout: 1,
};

const TOP_WORDS = ["group", "prefix", ...Object.keys(TOP_STATEMENTS), "config"];
const GROUP_WORDS = ["host", "action", ...Object.keys(GROUP_STATEMENTS)];
const ACTION_WORDS = Object.keys(ACTION_STATEMENTS);

type Context = "top" | "group" | "action";
const CONTEXT_NAME: Record<Context, string> = { top: "at top level", group: "in a group block", action: "in an action block" };

/** Where a keyword does belong, for "misplaced" errors. */
function homeOf(word: string): string | undefined {
  if (word === "group" || word === "prefix" || word in TOP_STATEMENTS) return "at top level";
  if (word === "host" || word === "action" || word in GROUP_STATEMENTS) return "inside a group block";
  if (word in ACTION_STATEMENTS) return "inside an action block";
  if (word === "on") return "inside a prefix block";
  return undefined;
}

export function parse(tokens: readonly Token[], eofAt: Location): { ast: ConfigAst; errors: ConfigError[] } {
  return new Parser(tokens, eofAt).run();
}

class Parser {
  readonly #c: TokenCursor;

  constructor(tokens: readonly Token[], eofAt: Location) {
    this.#c = new TokenCursor(tokens, eofAt);
  }

  run(): { ast: ConfigAst; errors: ConfigError[] } {
    const blocks: Block[] = [];
    while (this.#c.peek() !== undefined) {
      const block = this.#topBlock();
      if (block !== undefined) blocks.push(block);
    }
    return { ast: { blocks }, errors: this.#c.errors };
  }

  /** The statement keyword at the cursor in `context`, or undefined (error reported, skipped). */
  #head(context: Context, table: Record<string, Arity>, blockWords: readonly string[]): string | undefined {
    const t = this.#c.peek();
    if (t === undefined) return undefined;
    const known = [...blockWords, ...Object.keys(table)];
    if ((t.type === "keyword" || (t.type === "word" && !t.quoted)) && known.includes(t.text)) return t.text;
    if (t.type === "punct" && t.text === ";") {
      this.#c.fail(`Cannot parse ";" ${CONTEXT_NAME[context]}: empty statement`, t.at, context === "top" || t === undefined
        ? "remove it; blocks like group { ... } and action { ... } end without a semicolon"
        : "remove it; an action { ... } block ends without a semicolon");
      this.#c.advance();
      return undefined;
    }
    const home = t.type === "punct" ? undefined : homeOf(t.text);
    if (home !== undefined) {
      this.#c.fail(`Cannot use "${t.text}" ${CONTEXT_NAME[context]}: it belongs ${home}`, t.at, this.#misplacedHint(context));
    } else if (t.type === "word") {
      const what = t.quoted ? "a quoted string" : "an unknown keyword";
      this.#c.fail(`Cannot parse statement ${describe(t)} ${CONTEXT_NAME[context]}: ${what}`, t.at, suggest(t.text, known));
    } else {
      this.#c.fail(`Cannot parse ${describe(t)} ${CONTEXT_NAME[context]}: expected a statement`, t.at, `expected one of ${known.join(", ")}`);
    }
    this.#c.skipStatement();
    if (context === "top" && this.#c.isPunct(this.#c.peek(), "}")) this.#c.advance();
    return undefined;
  }

  #misplacedHint(context: Context): string {
    if (context === "top") return "a closing } may be missing or misplaced above";
    return "check the braces: a block may be closed too early or not at all";
  }

  #topBlock(): Block | undefined {
    const word = this.#head("top", TOP_STATEMENTS, ["group", "prefix"]);
    if (word === undefined) return undefined;
    if (word === "group") return this.#group();
    if (word === "prefix") return parsePrefix(this.#c);
    const statement = this.#statement(TOP_STATEMENTS, TOP_WORDS);
    return statement === undefined ? undefined : { kind: "statement", ...statement };
  }

  /** `keyword word* ;` with the table's arity; undefined (reported, skipped) when malformed. */
  #statement(table: Record<string, Arity>, heads: readonly string[]): Statement | undefined {
    const head = this.#c.next() as Token;
    const args: Word[] = [];
    let ok = true;
    for (;;) {
      const t = this.#c.peek();
      if (this.#c.isPunct(t, ";")) {
        this.#c.advance();
        break;
      }
      if (t !== undefined && t.type === "word") {
        args.push({ text: t.text, quoted: t.quoted, at: t.at });
        this.#c.advance();
        continue;
      }
      // A reserved word that cannot start a statement here is a value that needed quotes.
      if (t !== undefined && t.type === "keyword" && !heads.includes(t.text)) {
        this.#reservedValue(t);
        ok = false;
        this.#c.advance();
        continue;
      }
      this.#unexpected(head, t);
      if (t?.type !== "keyword") this.#c.skipStatement();
      return undefined;
    }
    if (!ok) return undefined;
    const arity = table[head.text] as Arity;
    if (arity !== "any" && args.length !== arity) {
      const want = arity === 0 ? "no value" : arity === 1 ? "1 value" : `${arity} values`;
      const at = args[arity]?.at ?? head.at;
      this.#c.fail(`Cannot parse "${head.text}": expected ${want}, found ${args.length}`, at, this.#arityHint(head.text, arity, args));
      return undefined;
    }
    return { keyword: head.text, args, at: head.at };
  }

  #arityHint(keyword: string, arity: number, args: readonly Word[]): string {
    // Most often the ';' after the value is missing and the next statement's words ran on
    // (`auto younger` then `watch no;`); a value with spaces in it is the other reading.
    if (args.length > arity && arity === 1) {
      return `end the statement after its value (${keyword} ${args[0]!.text};), or quote a value that contains spaces: ${keyword} "${args.map((a) => a.text).join(" ")}";`;
    }
    if (arity === 0) return `write it alone: ${keyword};`;
    return `write ${keyword} followed by ${arity === 1 ? "one value" : `${arity} values`} and a semicolon`;
  }

  #reservedValue(t: Token): void {
    this.#c.fail(`Cannot use reserved word "${t.text}" as a value: csync2 reads it as a keyword`, t.at, `quote it: "${t.text}"`);
  }

  // A token that cannot continue statement `head`: a missing `;` most of the time.
  #unexpected(head: Token, t: Token | undefined): void {
    if (t === undefined || t.type === "keyword" || this.#c.isPunct(t, "}") || this.#c.isPunct(t, "{")) {
      const hint = t?.type === "keyword" && t.text !== "on"
        ? `add ";" after the "${head.text}" statement, or quote "${t.text}" if it is a value`
        : `add ";" at the end of the "${head.text}" statement`;
      this.#c.fail(`Cannot parse "${head.text}": expected ";" before ${describe(t)}`, this.#c.at(t), hint);
      return;
    }
    const hint = t.text === ":" ? "quote a value that ends with a colon" : `quote a value that contains "${t.text}"`;
    this.#c.fail(`Cannot parse "${head.text}": unexpected ${describe(t)}`, t.at, hint);
  }

  #group(): GroupNode | undefined {
    const head = this.#c.next() as Token;
    let name: Word | undefined;
    const t = this.#c.peek();
    if (t?.type === "word") {
      name = { text: t.text, quoted: t.quoted, at: t.at };
      this.#c.advance();
      if (!t.quoted && t.text.length > 1 && t.text.endsWith("{") && !this.#c.isPunct(this.#c.peek(), "{")) {
        // csync2 reads "g{" as the group name "g{"; report it, then read on as if spaced.
        name = { ...name, text: t.text.slice(0, -1) };
        this.#c.fail(`Cannot parse group: "${t.text}" is one word, not "${name.text}" and "{"`, t.at, 'put a space before "{"');
        this.#c.insert({ type: "punct", text: "{", at: { ...t.at, column: t.at.column + t.text.length - 1 } });
      }
    }
    if (!this.#c.expectPunct("{", `group${name ? ` "${name.text}"` : ""}`)) {
      this.#c.skipStatement();
      return undefined;
    }
    const hosts: HostEntry[] = [];
    const statements: Statement[] = [];
    const actions: ActionNode[] = [];
    while (!this.#c.isPunct(this.#c.peek(), "}")) {
      if (this.#c.peek() === undefined) {
        this.#c.fail(`Cannot parse group${name ? ` "${name.text}"` : ""}: missing "}" at end of file`, head.at, "close the group block with }");
        break;
      }
      const word = this.#head("group", GROUP_STATEMENTS, ["host", "action"]);
      if (word === "host") this.#hosts(hosts, statements);
      else if (word === "action") {
        const action = this.#action();
        if (action !== undefined) actions.push(action);
      } else if (word !== undefined) {
        const s = this.#statement(GROUP_STATEMENTS, GROUP_WORDS);
        if (s !== undefined) statements.push(s);
      }
    }
    this.#c.advance();
    return { kind: "group", name, hosts, statements, actions, at: head.at };
  }

  // host_list := ( NAME | NAME "@" ADDR | "(" (NAME | NAME "@" ADDR)* ")" )* ";"
  #hosts(hosts: HostEntry[], statements: Statement[]): void {
    const head = this.#c.next() as Token;
    const found: HostEntry[] = [];
    let inParens: Token | undefined;
    for (;;) {
      const t = this.#c.peek();
      if (this.#c.isPunct(t, ";") && inParens === undefined) {
        this.#c.advance();
        break;
      }
      if (this.#c.isPunct(t, "(") && inParens === undefined) {
        inParens = t;
        this.#c.advance();
        continue;
      }
      if (this.#c.isPunct(t, ")") && inParens !== undefined) {
        inParens = undefined;
        this.#c.advance();
        continue;
      }
      if (t?.type === "word") {
        this.#c.advance();
        const name: Word = { text: t.text, quoted: t.quoted, at: t.at };
        let address: Word | undefined;
        if (this.#c.isPunct(this.#c.peek(), "@")) {
          this.#c.advance();
          const a = this.#c.peek();
          if (a?.type !== "word") {
            this.#c.fail(`Cannot parse host "${t.text}@": expected an address after "@" but found ${describe(a)}`, this.#c.at(a), "write host NAME@ADDRESS;");
            this.#c.skipStatement();
            return;
          }
          this.#c.advance();
          address = { text: a.text, quoted: a.quoted, at: a.at };
        }
        found.push({ name, address, receiveOnly: inParens !== undefined, at: t.at });
        continue;
      }
      if (t !== undefined && t.type === "keyword" && !GROUP_WORDS.includes(t.text)) {
        this.#reservedValue(t);
        this.#c.skipStatement();
        return;
      }
      if (inParens !== undefined && (t === undefined || this.#c.isPunct(t, ";") || this.#c.isPunct(t, "}") || this.#c.isPunct(t, "("))) {
        this.#c.fail(`Cannot parse "host": "(" is not closed`, inParens.at, "close the list of receive-only hosts with )");
      } else {
        this.#unexpected(head, t);
      }
      if (t?.type !== "keyword") this.#c.skipStatement();
      return;
    }
    hosts.push(...found);
    statements.push({ keyword: "host", args: found.map((h) => h.name), at: head.at });
  }

  #action(): ActionNode | undefined {
    const head = this.#c.next() as Token;
    if (!this.#c.expectPunct("{", "action")) {
      this.#c.skipStatement();
      return undefined;
    }
    const statements: Statement[] = [];
    while (!this.#c.isPunct(this.#c.peek(), "}")) {
      if (this.#c.peek() === undefined) {
        this.#c.fail(`Cannot parse action: missing "}" at end of file`, head.at, "close the action block with }");
        return undefined;
      }
      const word = this.#head("action", ACTION_STATEMENTS, []);
      if (word === undefined) continue;
      const s = this.#statement(ACTION_STATEMENTS, ACTION_WORDS);
      if (s !== undefined) statements.push(s);
    }
    this.#c.advance();
    return { statements, at: head.at };
  }
}
