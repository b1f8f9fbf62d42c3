// Which local path a path argument names (check, hint, mark, sync, csync2 -c/-h/-m/-x). csync2
// passes each argument through getrealfn(): made absolute, with the symbolic links of its
// directory part resolved (csync2.md §2.4), so `csync2 -cr /var/www/html` works where /var/www
// is a link to /srv/www and the config includes /srv/www. peersync takes the path as given
// first, so a config written in terms of the link keeps working, and falls back to csync2's
// resolved form only when the given one lies under no include root. Pure.

/**
 * `given` (absolute) when a group covers it; else `resolved` (the same path with its directory
 * part's symlinks resolved, undefined when that could not be read) when a group covers that;
 * else `given`, which the command then reports as outside every include root.
 */
export function pickArgumentPath(given: string, resolved: string | undefined, covered: (path: string) => boolean): string {
  if (resolved === undefined || resolved === given || covered(given)) return given;
  return covered(resolved) ? resolved : given;
}
