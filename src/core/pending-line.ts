// One line of `peersync list-pending` (csync2 -M). csync2 prints its dirty table as
// `force|chary<TAB>myname<TAB>peer<TAB>path`, and scripts written for csync2 parse those four
// columns, so `peersync -M` prints exactly them. The named command adds a fifth column,
// `conflict`, to a row whose entry `auto none` left in conflict with that peer: both versions
// stand until `peersync force PATH` on the node whose version should win. Pure.

import { shownName } from "./shown-name.js";

export interface PendingListed {
  readonly forced: boolean;
  /** This node's name in the entry's group. */
  readonly myname: string;
  readonly peer: string;
  readonly path: string;
  /** A conflict with this peer stands (table `conflicts`). */
  readonly conflict: boolean;
}

/** "csync2": `peersync -M`, csync2's columns exactly; "peersync": `peersync list-pending`. */
export type PendingForm = "csync2" | "peersync";

export function pendingLine(row: PendingListed, form: PendingForm): string {
  const line = `${row.forced ? "force" : "chary"}\t${row.myname}\t${row.peer}\t${shownName(row.path)}`;
  return form === "peersync" && row.conflict ? `${line}\tconflict` : line;
}
