// glibc fnmatch(3) for the flags csync2 uses: FNM_PATHNAME (`*`, `?` and brackets never match
// `/`) and FNM_LEADING_DIR (the pattern may match a leading part of the name that is followed
// by `/`). No FNM_PERIOD (so `*` matches a leading dot), backslash escapes on, case-sensitive.
//
// Why not micromatch: its dialect adds braces, extglobs, `!` negation and dotfile rules that
// fnmatch does not have, and it cannot express "one `**` makes every `*` cross `/`". A small
// compiled matcher keeps csync2's table exact. Matching is linear-ish (greedy star with a single
// backtrack point), so hostile patterns cannot hang a run. Pure.

export interface FnmatchFlags {
  readonly pathname?: boolean;
  readonly leadingDir?: boolean;
}

type Piece =
  | { readonly kind: "char"; readonly c: string }
  | { readonly kind: "any" }
  | { readonly kind: "star" }
  | { readonly kind: "set"; readonly negate: boolean; readonly test: (c: string) => boolean }
  /** A trailing backslash: glibc never matches such a pattern. */
  | { readonly kind: "never" };

const CLASSES: Record<string, RegExp> = {
  alnum: /[A-Za-z0-9]/, alpha: /[A-Za-z]/, blank: /[ \t]/, cntrl: /[\x00-\x1f\x7f]/, digit: /[0-9]/,
  graph: /[\x21-\x7e]/, lower: /[a-z]/, print: /[\x20-\x7e]/, punct: /[!-/:-@[-`{-~]/,
  space: /[ \t\n\v\f\r]/, upper: /[A-Z]/, xdigit: /[0-9A-Fa-f]/,
};

/** Parses `[...]` starting at pattern[start] === "["; undefined when it is not a valid bracket. */
function parseBracket(pattern: string, start: number): { piece: Piece; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === "!" || pattern[i] === "^") {
    negate = true;
    i++;
  }
  const tests: ((c: string) => boolean)[] = [];
  let first = true;
  while (i < pattern.length) {
    let c = pattern[i] as string;
    if (c === "]" && !first) {
      const piece: Piece = { kind: "set", negate, test: (x) => tests.some((t) => t(x)) };
      return { piece, end: i + 1 };
    }
    first = false;
    if (c === "[" && pattern[i + 1] === ":") {
      const close = pattern.indexOf(":]", i + 2);
      if (close >= 0) {
        const re = CLASSES[pattern.slice(i + 2, close)];
        // glibc: an unknown class name makes the whole pattern fail to match.
        tests.push(re === undefined ? () => false : (x) => re.test(x));
        i = close + 2;
        continue;
      }
    }
    if (c === "\\" && i + 1 < pattern.length) {
      i++;
      c = pattern[i] as string;
    }
    if (pattern[i + 1] === "-" && i + 2 < pattern.length && pattern[i + 2] !== "]") {
      let hi = pattern[i + 2] as string;
      let next = i + 3;
      if (hi === "\\" && i + 3 < pattern.length) {
        hi = pattern[i + 3] as string;
        next = i + 4;
      }
      const lo = c;
      tests.push((x) => x >= lo && x <= hi);
      i = next;
      continue;
    }
    const literal = c;
    tests.push((x) => x === literal);
    i++;
  }
  return undefined;
}

function compile(pattern: string): Piece[] {
  const pieces: Piece[] = [];
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i] as string;
    if (c === "*") {
      // Consecutive stars behave as one.
      if (pieces[pieces.length - 1]?.kind !== "star") pieces.push({ kind: "star" });
      i++;
    } else if (c === "?") {
      pieces.push({ kind: "any" });
      i++;
    } else if (c === "[") {
      const bracket = parseBracket(pattern, i);
      if (bracket === undefined) {
        pieces.push({ kind: "char", c });
        i++;
      } else {
        pieces.push(bracket.piece);
        i = bracket.end;
      }
    } else if (c === "\\") {
      if (i + 1 >= pattern.length) pieces.push({ kind: "never" });
      else pieces.push({ kind: "char", c: pattern[i + 1] as string });
      i += 2;
    } else {
      pieces.push({ kind: "char", c });
      i++;
    }
  }
  return pieces;
}

function matchOne(piece: Piece, c: string, pathname: boolean): boolean {
  switch (piece.kind) {
    case "char":
      return piece.c === c;
    case "any":
      return !(pathname && c === "/");
    case "set":
      return !(pathname && c === "/") && piece.test(c) !== piece.negate;
    default:
      return false;
  }
}

/** A compiled pattern; `test(name)` is fnmatch(pattern, name, flags) == 0. */
export function compileFnmatch(pattern: string, flags: FnmatchFlags = {}): (name: string) => boolean {
  const pieces = compile(pattern);
  const pathname = flags.pathname === true;
  const leadingDir = flags.leadingDir === true;
  return (name) => run(pieces, name, pathname, leadingDir);
}

export function fnmatch(pattern: string, name: string, flags: FnmatchFlags = {}): boolean {
  return compileFnmatch(pattern, flags)(name);
}

// Greedy matching with one backtrack point (the last star). With FNM_PATHNAME a star may not
// grow over "/", and no earlier star could either (it would have to cross the same "/").
function run(pieces: readonly Piece[], name: string, pathname: boolean, leadingDir: boolean): boolean {
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  for (;;) {
    if (p === pieces.length && (n === name.length || (leadingDir && name[n] === "/"))) return true;
    const piece = pieces[p];
    if (piece !== undefined && piece.kind === "star") {
      starP = p;
      starN = n;
      p++;
      continue;
    }
    if (piece !== undefined && n < name.length && matchOne(piece, name[n] as string, pathname)) {
      p++;
      n++;
      continue;
    }
    // Backtrack: let the last star swallow one more character.
    if (starP < 0 || starN >= name.length || (pathname && name[starN] === "/")) return false;
    starN++;
    p = starP + 1;
    n = starN;
  }
}
