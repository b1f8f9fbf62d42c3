// A watcher event whose path lost bytes. @parcel/watcher hands paths over as UTF-8 strings, with
// U+FFFD where a name held bytes that are not UTF-8 ("caf\xE9" arrives as "caf\uFFFD"), so the
// path names nothing on disk, and a change to such a file waited for the next full check. The
// nearest directory above the first such name reads right: it is checked instead, with its
// subtree, and that walk reads names as bytes (fs/name-codec.ts). A literal U+FFFD in a UTF-8
// name takes the same way (more work, never a wrong path). Pure.

const REPLACEMENT = "\uFFFD";

/**
 * What to check for an event at `path` under the watched `root` (both absolute): the path
 * itself, or, when a name in it may have lost bytes, the directory to walk instead.
 */
export function eventTarget(path: string, root: string): { readonly path: string; readonly walk: boolean } {
  const at = path.indexOf(REPLACEMENT);
  if (at === -1) return { path, walk: false };
  const dir = path.slice(0, path.lastIndexOf("/", at));
  return { path: dir.length > root.length ? dir : root, walk: true };
}
