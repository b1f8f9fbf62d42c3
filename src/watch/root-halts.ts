// The daemon's version of the vanished-root and emptied-root safety stop (index/root-safety.ts):
// a watched group whose include root looks unmounted stops pushing until the root is back. The
// `-x` check halts such a group for one run; here the halt is a state, entered when the watcher
// finds a root gone (Watchers.verify, every ROOT_LOOK_MS) or a full check leaves a root alone,
// told once at error level, shown by `status`, and left by itself: while a group is halted its
// roots are looked at every ROOT_LOOK_MS, and one that looks mounted again asks for a full check
// of its group (which watches it again first); that check, finding the root whole, resumes the
// group and pushes what waited. The decisions are core/root-halt.ts.
//
// Checks go on meanwhile: they record nothing under a root that looks unmounted (check-group.ts)
// and what they record elsewhere waits in the index as pending. The receiving side needs nothing
// from here: a peer's offer below such a root is refused (`ROOT_UNMOUNTED`, sync/target.ts).

import type { Logger } from "pino";
import type { Config, Group } from "../config/types.js";
import { haltMessage, haltStep } from "../core/root-halt.js";
import type { EntryStore } from "../index/entries.js";
import { looksUnmounted } from "../index/root-safety.js";
import type { Timers } from "./timers.js";

/** How often watched roots are compared with what was subscribed, and halted ones looked at. */
export const ROOT_LOOK_MS = 2_000;

/** A halted root, as the status board keeps it. */
export interface RootHalt {
  readonly group: string;
  readonly root: string;
  readonly local: string;
  readonly sinceMs: number;
  readonly message: string;
}

export interface RootHaltsOptions {
  readonly config: Config;
  readonly groups: ReadonlyMap<string, Group>;
  readonly entries: EntryStore;
  readonly logger: Logger;
  readonly timers: Timers;
  /** Every ROOT_LOOK_MS before the halted roots are looked at (the watchers' verify()). */
  readonly look: () => void;
  /** One of a halted group's roots looks mounted again: its full check, please. */
  readonly onBack: (group: string) => void;
  /** The halts changed (for the status board). */
  readonly onChange: (halts: readonly RootHalt[]) => void;
  /**
   * The halts of the loop this one replaces (a reload), kept with their times for the roots
   * the new config still watches: a standing halt was told once, not once per reload.
   */
  readonly before?: readonly RootHalt[] | undefined;
}

export class RootHalts {
  readonly #o: RootHaltsOptions;
  /** Per group, its halted roots and since when. */
  readonly #halted = new Map<string, Map<string, number>>();
  #timer: unknown;
  #stopped = false;

  constructor(options: RootHaltsOptions) {
    this.#o = options;
    for (const h of options.before ?? []) {
      if (!options.groups.get(h.group)?.roots.includes(h.root)) continue; // dropped or unwatched now: nothing holds it back
      this.#halted.set(h.group, (this.#halted.get(h.group) ?? new Map<string, number>()).set(h.root, h.sinceMs));
    }
    if (this.#halted.size > 0) options.onChange(this.halts());
    this.#tick();
  }

  isHalted(group: string): boolean {
    return (this.#halted.get(group)?.size ?? 0) > 0;
  }

  /** Whether `root` looks unmounted now (a vanished root, or one holding none of the known names). */
  looksUnmounted(group: string, root: string): boolean {
    return looksUnmounted(this.#o.config.toLocalPath(root), this.#o.entries, group, root);
  }

  /** The watcher lost `root`: look at it now, and halt its group if it looks unmounted; true when it does. */
  judge(group: string, root: string): boolean {
    const unmounted = this.looksUnmounted(group, root);
    this.#apply(group, root, unmounted);
    return unmounted;
  }

  /** A full check of `group` ended: the roots it left alone as unmounted halt it, the others are whole. */
  afterFullCheck(group: string, stoppedRoots: ReadonlySet<string>): void {
    for (const root of this.#o.groups.get(group)?.roots ?? []) this.#apply(group, root, stoppedRoots.has(root));
  }

  halts(): RootHalt[] {
    return [...this.#halted].flatMap(([group, roots]) => [...roots].map(([root, sinceMs]) => {
      const local = this.#o.config.toLocalPath(root);
      return { group, root, local, sinceMs, message: haltMessage(group, root, local) };
    }));
  }

  stop(): void {
    this.#stopped = true;
    this.#o.timers.clearTimeout(this.#timer);
  }

  #apply(group: string, root: string, unmounted: boolean): void {
    const was = this.#halted.get(group) ?? new Map<string, number>();
    const { step } = haltStep(new Set(was.keys()), root, unmounted);
    if (step === "still") return;
    const local = this.#o.config.toLocalPath(root);
    if (step === "halt") {
      was.set(root, this.#o.timers.now());
      this.#halted.set(group, was);
      this.#o.logger.error({ group, root, local, kind: "unmounted" }, haltMessage(group, root, local));
    } else {
      was.delete(root);
      if (was.size === 0) this.#halted.delete(group);
      const rest = step === "resume" ? "the group's pushes resume" : "the group stays halted for its other roots";
      this.#o.logger.info({ group, root, local, kind: "remounted" }, `Include root ${root} (${local}) of group "${group}" is back: ${rest}`);
    }
    this.#o.onChange(this.halts());
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#o.look();
      for (const [group, roots] of this.#halted) {
        if ([...roots.keys()].some((root) => !this.looksUnmounted(group, root))) this.#o.onBack(group);
      }
      this.#tick();
    }, ROOT_LOOK_MS);
  }
}
