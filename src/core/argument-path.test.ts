import assert from "node:assert/strict";
import { test } from "node:test";
import { pickArgumentPath, pickReading, shownArgument, shownReading } from "./argument-path.js";
import { shownName } from "./shown-name.js";

// The config includes /srv/www; /var/www is a symlink to /srv/www.
const covered = (p: string): boolean => p === "/srv/www" || p.startsWith("/srv/www/") || p === "/" || p === "/srv";

const cases: { name: string; given: string; resolved: string | undefined; want: string }[] = [
  { name: "a path under an include root is kept as given", given: "/srv/www/a", resolved: "/srv/www/a", want: "/srv/www/a" },
  { name: "through a symlinked directory, as csync2's getrealfn resolves it", given: "/var/www/html", resolved: "/srv/www/html", want: "/srv/www/html" },
  { name: "covered as given: the link is not followed", given: "/srv/www/l/x", resolved: "/elsewhere/x", want: "/srv/www/l/x" },
  { name: "covered neither way: as given, to be reported", given: "/tmp/x", resolved: "/private/tmp/x", want: "/tmp/x" },
  { name: "the directory could not be read", given: "/var/www/html", resolved: undefined, want: "/var/www/html" },
];

for (const c of cases) {
  test(`pickArgumentPath(): ${c.name}`, () => assert.equal(pickArgumentPath(c.given, c.resolved, covered), c.want));
}

// As cli/raw-argv.ts hands over a typed U+FFFD: the literal's own escaped bytes.
const TYPED_FFFD = "\uFFFDEF\uFFFDBF\uFFFDBD";

const readings: { name: string; argument: string; want: string }[] = [
  { name: "a plain path is itself", argument: "/srv/www/a b", want: "/srv/www/a b" },
  { name: "a newline as -T shows it", argument: "/srv/www/a\\#012b", want: "/srv/www/a\nb" },
  { name: "a logical path as list-pending shows it", argument: "%www%/a\\#011b", want: "%www%/a\tb" },
  { name: "an escaped backslash", argument: "/s/\\#134#012", want: "/s/\\#012" },
  { name: "ordinary backslashes stay", argument: "/s/a\\b\\#x", want: "/s/a\\b\\#x" },
  { name: "a byte that is not UTF-8, as output shows it", argument: `/s/lat${TYPED_FFFD}E9in`, want: "/s/lat\uFFFDE9in" },
  { name: "a byte given as its byte stays", argument: "/s/lat\uFFFDE9in", want: "/s/lat\uFFFDE9in" },
  { name: "a typed U+FFFD without hex digits stays a U+FFFD", argument: `/s/a${TYPED_FFFD}x`, want: `/s/a${TYPED_FFFD}x` },
  { name: "a literal U+FFFD as output shows it (its three bytes)", argument: `/s/${TYPED_FFFD}EF${TYPED_FFFD}BF${TYPED_FFFD}BD`, want: `/s/${TYPED_FFFD}` },
  { name: "both forms in one path", argument: `/s/${TYPED_FFFD}FF\\#012`, want: "/s/\uFFFDFF\n" },
];

for (const c of readings) test(`shownReading(): ${c.name}`, () => assert.equal(shownReading(c.argument), c.want));

/** What an operator types after copying shownName(name): its text, as raw-argv.ts passes it on. */
const typed = (shown: string): string => shown.replaceAll("\uFFFD", TYPED_FFFD);

test("shownReading() of every shown name, pasted, is the name", () => {
  for (const name of ["/s/new\nline", "/s/\\#012", "/s/lat\uFFFDE9in", `/s/${TYPED_FFFD}`, "/s/\u0085\\\uFFFD00\t", "%p%/\u2028"]) {
    assert.equal(shownReading(typed(shownName(name))), name, JSON.stringify(name));
  }
});

// /srv/www is included; on disk: /srv/www/a\nb, /srv/www/both\nx and its look-alike /srv/www/both\#012x.
const onDisk = new Set(["/srv/www/a\nb", "/srv/www/both\nx", "/srv/www/both\\#012x", "/tmp/out\nside"]);
// In the index, deletions included: gone from the disk, as list-pending still lists them.
const inIndex = new Set(["/srv/www/gone\nx", "/srv/www/a\nb", "/srv/www/twins\nx", "/srv/www/twins\\#012x", "/srv/www/old\\#012x", "/tmp/was\nhere"]);
const place = { covered, exists: (p: string) => onDisk.has(p), indexed: (p: string) => inIndex.has(p) };

const picks: { name: string; asGiven: string; asShown: string; want: string }[] = [
  { name: "no escape: as given", asGiven: "/srv/www/x", asShown: "/srv/www/x", want: "/srv/www/x" },
  { name: "only the shown name exists: the shown name", asGiven: "/srv/www/a\\#012b", asShown: "/srv/www/a\nb", want: "/srv/www/a\nb" },
  { name: "both exist: the name as typed", asGiven: "/srv/www/both\\#012x", asShown: "/srv/www/both\nx", want: "/srv/www/both\\#012x" },
  { name: "neither exists (a deleted file): as given", asGiven: "/srv/www/gone\\#012", asShown: "/srv/www/gone\n", want: "/srv/www/gone\\#012" },
  { name: "only the shown one is under a root", asGiven: "/tmp/x", asShown: "/srv/www/x", want: "/srv/www/x" },
  { name: "the shown one exists outside every root: as given", asGiven: "/tmp/out\\#012side", asShown: "/tmp/out\nside", want: "/tmp/out\\#012side" },
  { name: "neither exists, the index holds the shown one (a deletion): the shown name", asGiven: "/srv/www/gone\\#012x", asShown: "/srv/www/gone\nx", want: "/srv/www/gone\nx" },
  { name: "neither exists, the index holds both: the name as typed", asGiven: "/srv/www/twins\\#012x", asShown: "/srv/www/twins\nx", want: "/srv/www/twins\\#012x" },
  { name: "neither exists, the index holds the one as typed: as given", asGiven: "/srv/www/old\\#012x", asShown: "/srv/www/old\nx", want: "/srv/www/old\\#012x" },
  { name: "on disk wins over the index", asGiven: "/srv/www/both\\#012x", asShown: "/srv/www/both\nx", want: "/srv/www/both\\#012x" },
  { name: "held outside every root: as given", asGiven: "/tmp/was\\#012here", asShown: "/tmp/was\nhere", want: "/tmp/was\\#012here" },
];

for (const c of picks) test(`pickReading(): ${c.name}`, () => assert.equal(pickReading(c.asGiven, c.asShown, place), c.want));

test("pickReading() asks the index only when neither reading exists, and never for a plain argument", () => {
  const asked: string[] = [];
  const counting = { ...place, indexed: (p: string) => (asked.push(p), inIndex.has(p)) };
  pickReading("/srv/www/x", "/srv/www/x", counting);
  pickReading("/srv/www/a\\#012b", "/srv/www/a\nb", counting);
  assert.deepEqual(asked, []);
  pickReading("/srv/www/gone\\#012x", "/srv/www/gone\nx", counting);
  assert.deepEqual(asked, ["/srv/www/gone\\#012x", "/srv/www/gone\nx"]);
});

const quoted: { name: string; argument: string; want: string }[] = [
  { name: "a plain path as typed", argument: "/srv/www/a b", want: "/srv/www/a b" },
  { name: "a pasted U+FFFD and hex digits as typed, not as a literal U+FFFD's escaped bytes", argument: `%www%/lat${TYPED_FFFD}E9in`, want: "%www%/lat\uFFFDE9in" },
  { name: "a byte that is not UTF-8 as output shows it", argument: "/s/lat\uFFFDE9in", want: "/s/lat\uFFFDE9in" },
  { name: "an escape as typed", argument: "%www%/a\\#012b", want: "%www%/a\\#012b" },
  { name: "a typed newline on the same line", argument: "/s/a\nb", want: "/s/a\\#012b" },
  { name: "an escaped backslash as typed", argument: "/s/\\#134#012", want: "/s/\\#134#012" },
];

for (const c of quoted) test(`shownArgument(): ${c.name}`, () => assert.equal(shownArgument(c.argument), c.want));
