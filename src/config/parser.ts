// Tokens → ConfigAst, following csync2's bison grammar (cfgfile_parser.y) plus our extension
// statements (contextual words, not reserved, so a host may still be called "watch").
// Unlike csync2, which stops at the first "syntax error", the parser recovers at the next `;`
// or `}` and reports every error it finds, each with its position and a hint. Pure.

import { ConfigError, type Location } from "../errors.js";
import type { ActionNode, Block, ConfigAst, GroupNode, HostEntry, PrefixEntry, PrefixNode, Statement, Word } from "./ast.js";
import { suggest } from "./hints.js";
import { RESERVED, type Token } from "./lexer.js";

/** Arity of `keyword args;` statements: exact count, or "any" (zero or more). */
type Arity = number | "any";

// Our extensions, valid at top level (global defaults) and inside groups.
const EXTENSIONS_SHARED: Record<string, Arity> = {
  port: 1, "max-delete": 1, watch: 1, debounce: 1, "rescan-interval": 1,
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

function describe(t: Token | undefined): string {
  if (t === undefined) return "end of file";
  if (t.type === "word" && t.quoted) return JSON.stringify(t.text);
  return `"${t.text}"`;
}

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
  readonly #tokens: Token[];
  readonly #eofAt: Location;
  #pos = 0;
  readonly errors: ConfigError[] = [];

  constructor(tokens: readonly Token[], eofAt: Location) {
    this.#tokens = [...tokens];
    this.#eofAt = eofAt;
  }

  run(): { ast: ConfigAst; errors: ConfigError[] } {
    const blocks: Block[] = [];
    while (this.#peek() !== undefined) {
      const block = this.#topBlock();
      if (block !== undefined) blocks.push(block);
    }
    return { ast: { blocks }, errors: this.errors };
  }

  #peek(offset = 0): Token | undefined {
    return this.#tokens[this.#pos + offset];
  }
  #next(): Token | undefined {
    return this.#tokens[this.#pos++];
  }
  #at(t: Token | undefined): Location {
    return t?.at ?? this.#eofAt;
  }
  #isPunct(t: Token | undefined, p: string): boolean {
    return t !== undefined && t.type === "punct" && t.text === p;
  }
  #fail(message: string, at: Location, hint?: string): void {
    this.errors.push(new ConfigError(message, at, hint === undefined ? {} : { hint }));
  }

  // Error recovery: drop tokens up to and including the next `;`, or up to (not including) a
  // `}` that closes the enclosing block; nested `{...}` are skipped whole.
  #skipStatement(): void {
    let depth = 0;
    for (let t = this.#peek(); t !== undefined; t = this.#peek()) {
      if (this.#isPunct(t, "{")) depth++;
      if (this.#isPunct(t, "}")) {
        if (depth === 0) return;
        depth--;
        this.#pos++;
        if (depth === 0 && this.#isPunct(this.#peek(), ";") === false) return;
        continue;
      }
      this.#pos++;
      if (depth === 0 && this.#isPunct(t, ";")) return;
    }
  }

  /** The statement keyword at the cursor in `context`, or undefined (error reported, skipped). */
  #head(context: Context, table: Record<string, Arity>, blockWords: readonly string[]): string | undefined {
    const t = this.#peek();
    if (t === undefined) return undefined;
    const known = [...blockWords, ...Object.keys(table)];
    if ((t.type === "keyword" || (t.type === "word" && !t.quoted)) && known.includes(t.text)) return t.text;
    if (t.type === "punct" && t.text === ";") {
      this.#fail(`Cannot parse ";" ${CONTEXT_NAME[context]}: empty statement`, t.at, context === "top" || t === undefined
        ? "remove it; blocks like group { ... } and action { ... } end without a semicolon"
        : "remove it; an action { ... } block ends without a semicolon");
      this.#pos++;
      return undefined;
    }
    const home = t.type === "punct" ? undefined : homeOf(t.text);
    if (home !== undefined) {
      this.#fail(`Cannot use "${t.text}" ${CONTEXT_NAME[context]}: it belongs ${home}`, t.at, this.#misplacedHint(context));
    } else if (t.type === "word") {
      const what = t.quoted ? "a quoted string" : "an unknown keyword";
      this.#fail(`Cannot parse statement ${describe(t)} ${CONTEXT_NAME[context]}: ${what}`, t.at, suggest(t.text, known));
    } else {
      this.#fail(`Cannot parse ${describe(t)} ${CONTEXT_NAME[context]}: expected a statement`, t.at, `expected one of ${known.join(", ")}`);
    }
    this.#skipStatement();
    if (context === "top" && this.#isPunct(this.#peek(), "}")) this.#pos++;
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
    if (word === "prefix") return this.#prefix();
    const statement = this.#statement(TOP_STATEMENTS, TOP_WORDS);
    return statement === undefined ? undefined : { kind: "statement", ...statement };
  }

  /** `keyword word* ;` with the table's arity; undefined (reported, skipped) when malformed. */
  #statement(table: Record<string, Arity>, heads: readonly string[]): Statement | undefined {
    const head = this.#next() as Token;
    const args: Word[] = [];
    let ok = true;
    for (;;) {
      const t = this.#peek();
      if (this.#isPunct(t, ";")) {
        this.#pos++;
        break;
      }
      if (t !== undefined && t.type === "word") {
        args.push({ text: t.text, quoted: t.quoted, at: t.at });
        this.#pos++;
        continue;
      }
      // A reserved word that cannot start a statement here is a value that needed quotes.
      if (t !== undefined && t.type === "keyword" && !heads.includes(t.text)) {
        this.#reservedValue(t);
        ok = false;
        this.#pos++;
        continue;
      }
      this.#unexpected(head, t);
      if (t?.type !== "keyword") this.#skipStatement();
      return undefined;
    }
    if (!ok) return undefined;
    const arity = table[head.text] as Arity;
    if (arity !== "any" && args.length !== arity) {
      const want = arity === 0 ? "no value" : arity === 1 ? "1 value" : `${arity} values`;
      const at = args[arity]?.at ?? head.at;
      this.#fail(`Cannot parse "${head.text}": expected ${want}, found ${args.length}`, at, this.#arityHint(head.text, arity, args));
      return undefined;
    }
    return { keyword: head.text, args, at: head.at };
  }

  #arityHint(keyword: string, arity: number, args: readonly Word[]): string {
    if (args.length > arity && arity === 1) return `quote a value that contains spaces: ${keyword} "${args.map((a) => a.text).join(" ")}";`;
    if (arity === 0) return `write it alone: ${keyword};`;
    return `write ${keyword} followed by ${arity === 1 ? "one value" : `${arity} values`} and a semicolon`;
  }

  #reservedValue(t: Token): void {
    this.#fail(`Cannot use reserved word "${t.text}" as a value: csync2 reads it as a keyword`, t.at, `quote it: "${t.text}"`);
  }

  // A token that cannot continue statement `head`: a missing `;` most of the time.
  #unexpected(head: Token, t: Token | undefined): void {
    if (t === undefined || t.type === "keyword" || this.#isPunct(t, "}") || this.#isPunct(t, "{")) {
      const hint = t?.type === "keyword" && t.text !== "on"
        ? `add ";" after the "${head.text}" statement, or quote "${t.text}" if it is a value`
        : `add ";" at the end of the "${head.text}" statement`;
      this.#fail(`Cannot parse "${head.text}": expected ";" before ${describe(t)}`, this.#at(t), hint);
      return;
    }
    const hint = t.text === ":" ? "quote a value that ends with a colon" : `quote a value that contains "${t.text}"`;
    this.#fail(`Cannot parse "${head.text}": unexpected ${describe(t)}`, t.at, hint);
  }

  #expectPunct(p: string, what: string): boolean {
    const t = this.#peek();
    if (this.#isPunct(t, p)) {
      this.#pos++;
      return true;
    }
    if (p === "{" && t?.type === "word" && !t.quoted && t.text.startsWith("{")) {
      // csync2 reads "{host" as one word; report it, then read on as if the space were there.
      this.#fail(`Cannot parse ${what}: "${t.text}" is one word, not "{" and "${t.text.slice(1)}"`, t.at, 'put a space after "{"');
      const rest = t.text.slice(1);
      const at = { ...t.at, column: t.at.column + 1 };
      this.#tokens[this.#pos] = RESERVED.has(rest) ? { type: "keyword", text: rest, at } : { type: "word", text: rest, quoted: false, at };
      return true;
    }
    const hint = p === ":" && t?.type === "word" && t.text.startsWith(":") === false && /:./.test(t.text)
      ? "put a space after the colon: on HOST: PATH;"
      : `add "${p}"`;
    this.#fail(`Cannot parse ${what}: expected "${p}" but found ${describe(t)}`, this.#at(t), hint);
    return false;
  }

  #group(): GroupNode | undefined {
    const head = this.#next() as Token;
    let name: Word | undefined;
    const t = this.#peek();
    if (t?.type === "word") {
      name = { text: t.text, quoted: t.quoted, at: t.at };
      this.#pos++;
      if (!t.quoted && t.text.length > 1 && t.text.endsWith("{") && !this.#isPunct(this.#peek(), "{")) {
        // csync2 reads "g{" as the group name "g{"; report it, then read on as if spaced.
        name = { ...name, text: t.text.slice(0, -1) };
        this.#fail(`Cannot parse group: "${t.text}" is one word, not "${name.text}" and "{"`, t.at, 'put a space before "{"');
        this.#tokens.splice(this.#pos, 0, { type: "punct", text: "{", at: { ...t.at, column: t.at.column + t.text.length - 1 } });
      }
    }
    if (!this.#expectPunct("{", `group${name ? ` "${name.text}"` : ""}`)) {
      this.#skipStatement();
      return undefined;
    }
    const hosts: HostEntry[] = [];
    const statements: Statement[] = [];
    const actions: ActionNode[] = [];
    while (!this.#isPunct(this.#peek(), "}")) {
      if (this.#peek() === undefined) {
        this.#fail(`Cannot parse group${name ? ` "${name.text}"` : ""}: missing "}" at end of file`, head.at, "close the group block with }");
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
    this.#pos++;
    return { kind: "group", name, hosts, statements, actions, at: head.at };
  }

  // host_list := ( NAME | NAME "@" ADDR | "(" (NAME | NAME "@" ADDR)* ")" )* ";"
  #hosts(hosts: HostEntry[], statements: Statement[]): void {
    const head = this.#next() as Token;
    const found: HostEntry[] = [];
    let inParens: Token | undefined;
    for (;;) {
      const t = this.#peek();
      if (this.#isPunct(t, ";") && inParens === undefined) {
        this.#pos++;
        break;
      }
      if (this.#isPunct(t, "(") && inParens === undefined) {
        inParens = t;
        this.#pos++;
        continue;
      }
      if (this.#isPunct(t, ")") && inParens !== undefined) {
        inParens = undefined;
        this.#pos++;
        continue;
      }
      if (t?.type === "word") {
        this.#pos++;
        const name: Word = { text: t.text, quoted: t.quoted, at: t.at };
        let address: Word | undefined;
        if (this.#isPunct(this.#peek(), "@")) {
          this.#pos++;
          const a = this.#peek();
          if (a?.type !== "word") {
            this.#fail(`Cannot parse host "${t.text}@": expected an address after "@" but found ${describe(a)}`, this.#at(a), "write host NAME@ADDRESS;");
            this.#skipStatement();
            return;
          }
          this.#pos++;
          address = { text: a.text, quoted: a.quoted, at: a.at };
        }
        found.push({ name, address, receiveOnly: inParens !== undefined, at: t.at });
        continue;
      }
      if (t !== undefined && t.type === "keyword" && !GROUP_WORDS.includes(t.text)) {
        this.#reservedValue(t);
        this.#skipStatement();
        return;
      }
      if (inParens !== undefined && (t === undefined || this.#isPunct(t, ";") || this.#isPunct(t, "}") || this.#isPunct(t, "("))) {
        this.#fail(`Cannot parse "host": "(" is not closed`, inParens.at, "close the list of receive-only hosts with )");
      } else {
        this.#unexpected(head, t);
      }
      if (t?.type !== "keyword") this.#skipStatement();
      return;
    }
    hosts.push(...found);
    statements.push({ keyword: "host", args: found.map((h) => h.name), at: head.at });
  }

  #action(): ActionNode | undefined {
    const head = this.#next() as Token;
    if (!this.#expectPunct("{", "action")) {
      this.#skipStatement();
      return undefined;
    }
    const statements: Statement[] = [];
    while (!this.#isPunct(this.#peek(), "}")) {
      if (this.#peek() === undefined) {
        this.#fail(`Cannot parse action: missing "}" at end of file`, head.at, "close the action block with }");
        return undefined;
      }
      const word = this.#head("action", ACTION_STATEMENTS, []);
      if (word === undefined) continue;
      const s = this.#statement(ACTION_STATEMENTS, ACTION_WORDS);
      if (s !== undefined) statements.push(s);
    }
    this.#pos++;
    return { statements, at: head.at };
  }

  // prefix NAME { (on HOSTPATTERN : PATH ;)* }
  #prefix(): PrefixNode | undefined {
    const head = this.#next() as Token;
    const n = this.#peek();
    if (n?.type !== "word") {
      this.#fail(`Cannot parse "prefix": expected a name but found ${describe(n)}`, this.#at(n), "write prefix NAME { on HOST: PATH; }");
      this.#skipStatement();
      return undefined;
    }
    this.#pos++;
    const name: Word = { text: n.text, quoted: n.quoted, at: n.at };
    if (!this.#expectPunct("{", `prefix "${n.text}"`)) {
      this.#skipStatement();
      return undefined;
    }
    const entries: PrefixEntry[] = [];
    while (!this.#isPunct(this.#peek(), "}")) {
      const entry = this.#prefixEntry(n.text);
      if (entry === "eof") {
        this.#fail(`Cannot parse prefix "${n.text}": missing "}" at end of file`, head.at, "close the prefix block with }");
        return undefined;
      }
      if (entry !== undefined) entries.push(entry);
    }
    this.#pos++;
    return { kind: "prefix", name, entries, at: head.at };
  }

  #prefixEntry(prefix: string): PrefixEntry | undefined | "eof" {
    const on = this.#peek();
    if (on === undefined) return "eof";
    const what = `prefix "${prefix}"`;
    if (on.type !== "keyword" || on.text !== "on") {
      const hint = on.type === "word" ? suggest(on.text, ["on"]) : "write on HOST: PATH;";
      this.#fail(`Cannot parse ${what}: expected "on" but found ${describe(on)}`, on.at, hint);
      this.#skipStatement();
      return undefined;
    }
    this.#pos++;
    const pattern = this.#peek();
    if (pattern?.type !== "word") {
      this.#fail(`Cannot parse ${what}: expected a host pattern after "on" but found ${describe(pattern)}`, this.#at(pattern), "write on HOST: PATH; (quote * if needed)");
      this.#skipStatement();
      return undefined;
    }
    this.#pos++;
    if (!pattern.quoted && pattern.text.includes(":") && !this.#isPunct(this.#peek(), ":")) {
      const [host, ...path] = pattern.text.split(":");
      this.#fail(`Cannot parse ${what}: "${pattern.text}" is one word`, pattern.at, `put a space after the colon: on ${host}: ${path.join(":")};`);
      this.#skipStatement();
      return undefined;
    }
    if (!this.#expectPunct(":", what)) {
      this.#skipStatement();
      return undefined;
    }
    const path = this.#peek();
    if (path?.type !== "word") {
      this.#fail(`Cannot parse ${what}: expected a path after ":" but found ${describe(path)}`, this.#at(path), "write on HOST: PATH;");
      this.#skipStatement();
      return undefined;
    }
    this.#pos++;
    if (!this.#expectPunct(";", what)) {
      this.#skipStatement();
      return undefined;
    }
    return {
      hostPattern: { text: pattern.text, quoted: pattern.quoted, at: pattern.at },
      path: { text: path.text, quoted: path.quoted, at: path.at },
      at: on.at,
    };
  }
}
