// The parsed csync2.cfg: structure only (which statement, which words, where). Values are
// checked and given meaning by resolve.ts.

import type { Location } from "../errors.js";

/** One argument as written: quoted or bare, with where it starts. */
export interface Word {
  readonly text: string;
  readonly quoted: boolean;
  readonly at: Location;
}

/** A `keyword arg...;` statement (everything but host lists, blocks and prefix entries). */
export interface Statement {
  readonly keyword: string;
  readonly args: readonly Word[];
  readonly at: Location;
}

export interface HostEntry {
  readonly name: Word;
  /** The `@address` part (may carry our `:port` extension). */
  readonly address: Word | undefined;
  readonly receiveOnly: boolean;
  readonly at: Location;
}

export interface ActionNode {
  readonly statements: readonly Statement[];
  readonly at: Location;
}

export interface GroupNode {
  readonly kind: "group";
  readonly name: Word | undefined;
  readonly hosts: readonly HostEntry[];
  /** Every `host` statement's location, to report empty ones. */
  readonly statements: readonly Statement[];
  readonly actions: readonly ActionNode[];
  readonly at: Location;
}

export interface PrefixEntry {
  readonly hostPattern: Word;
  readonly path: Word;
  readonly at: Location;
}

export interface PrefixNode {
  readonly kind: "prefix";
  readonly name: Word;
  readonly entries: readonly PrefixEntry[];
  readonly at: Location;
}

export interface TopStatement extends Statement {
  readonly kind: "statement";
}

export type Block = GroupNode | PrefixNode | TopStatement;

export interface ConfigAst {
  readonly blocks: readonly Block[];
}
