// Which local path a path argument names (check, hint, mark, sync, csync2 -c/-h/-m/-x). csync2
// passes each argument through getrealfn(): made absolute, with the symbolic links of its
// directory part resolved (csync2.md §2.4), so `csync2 -cr /var/www/html` works where /var/www
// is a link to /srv/www and the config includes /srv/www. peersync takes the path as given
// first, so a config written in terms of the link keeps working, and falls back to csync2's
// resolved form only when the given one lies under no include root.
//
// An operator also copies names from peersync's own lines (-T, list-pending, status, logs),
// where a newline shows as `\#012` (core/shown-name.ts) and a byte that is not UTF-8 as U+FFFD
// and two hex digits. Pasted back, that named nothing ("no such file", outside every root).
// So an argument that reads differently as a shown name is taken as one when the name as
// given does not exist and the shown one does; when neither exists, when the index holds only
// the shown one (a deletion, as list-pending and -T list it, pasted into force or mark); or
// when only the shown one is under a root. Pure: the disk and the index are asked through
// predicates (index/command-support.ts).

import { shownName, unshownName } from "./shown-name.js";

/**
 * `given` (absolute) when a group covers it; else `resolved` (the same path with its directory
 * part's symlinks resolved, undefined when that could not be read) when a group covers that;
 * else `given`, which the command then reports as outside every include root.
 */
export function pickArgumentPath(given: string, resolved: string | undefined, covered: (path: string) => boolean): string {
  if (resolved === undefined || resolved === given || covered(given)) return given;
  return covered(resolved) ? resolved : given;
}

// A literal U+FFFD in a name, as fs/name-codec.ts escapes it; cli/raw-argv.ts gives every
// argument that holds a U+FFFD in that form, so the U+FFFD of a pasted "\uFFFDE9" arrives so.
const LITERAL_FFFD = /\uFFFDEF\uFFFDBF\uFFFDBD(?=[0-9A-F]{2})/g;

/**
 * The name an argument stands for if it was copied from a line of human-readable output:
 * `\#ooo` back to its byte (core/shown-name.ts), and a typed U+FFFD with two hex digits
 * back to the byte it shows. The argument itself when it holds neither.
 */
export function shownReading(argument: string): string {
  return unshownName(argument.replace(LITERAL_FFFD, "\uFFFD"));
}

/** Where pickReading() looks; each predicate gets a reading as pickArgumentPath placed it. */
export interface ReadingPlace {
  /** Some group of this node includes it. */
  readonly covered: (path: string) => boolean;
  /** It is on this disk. */
  readonly exists: (path: string) => boolean;
  /** An index of this node holds it, a deletion included. Asked only when neither reading exists. */
  readonly indexed: (path: string) => boolean;
}

/**
 * Of the argument as given and as read as a shown name (both already through pickArgumentPath):
 * the first that a group covers and that exists; else the first a group covers that the index
 * holds (a deleted file, as list-pending and -T show its name); else the first a group covers;
 * else as given. So a name that exists as typed is never read as an escape.
 */
export function pickReading(asGiven: string, asShown: string, place: ReadingPlace): string {
  if (asShown === asGiven) return asGiven;
  const candidates = [asGiven, asShown].filter(place.covered);
  return candidates.find(place.exists) ?? candidates.find(place.indexed) ?? candidates[0] ?? asGiven;
}

/**
 * A path argument as an error message quotes it: as the operator typed it, which is as output
 * shows the name it reads as (a pasted "lat\uFFFDE9in" is not turned into the escaped bytes
 * of a literal U+FFFD), and on one line (a newline typed into it shows as `\#012`).
 */
export function shownArgument(argument: string): string {
  return shownName(shownReading(argument));
}
