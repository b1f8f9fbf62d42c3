// How a file name is written into a line of human-readable output (listings, itemized sync
// lines, conflict and error lines, status, text log lines). Those outputs are one record per
// line with tab-separated columns, and a name may hold any byte but "/" and NUL: a newline or a
// tab in a name would split its record, and a crafted name could print a line of its own
// ("\nERROR: ..."). So such characters are written as rsync writes them in its -i output:
// `\#` and the byte in three octal digits (newline `\#012`, tab `\#011`).
//
// Escaped: C0 controls and DEL (what splits lines and columns and drives terminals), C1 controls
// and U+2028/U+2029 (line breaks to some readers, Python's splitlines() and many editors), each
// of their UTF-8 bytes on its own. A backslash is escaped (`\#134`) only where it begins what
// would read as an escape, `\#` and three octal digits, so ordinary backslashes stay readable
// and the mapping stays one-to-one. Bytes that are not UTF-8 are already U+FFFD and two hex
// digits in a logical path (fs/name-codec.ts): printable, left as they are. --json output
// carries the names unescaped: JSON has escapes of its own.
//
// unshownName() reads a shown name back, for an operator who pastes one from that output into a
// path argument (core/argument-path.ts). Pure.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\\(?=#[0-7]{3})/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "gu");
const UTF8 = new TextEncoder();

/** The name as a line of human-readable output shows it. */
export function shownName(name: string): string {
  // Almost every name needs nothing: one test, no copy.
  if (!UNSAFE.test(name)) return name;
  return name.replace(UNSAFE_ALL, octalBytes);
}

function octalBytes(char: string): string {
  let out = "";
  for (const byte of UTF8.encode(char)) out += `\\#${byte.toString(8).padStart(3, "0")}`;
  return out;
}

// A run of escapes is decoded as one: a character outside ASCII is several escaped bytes.
// Only \#000 to \#377 are bytes; shownName() writes no other, so "\#777" is read as it stands.
const ESCAPE_RUN = /(?:\\#[0-3][0-7]{2})+/g;
// fatal: bytes that are no UTF-8 were not written by shownName(); ignoreBOM: a U+FEFF is a name's.
const FROM_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The name that shownName() shows as `shown`: each `\#ooo` back to its byte. The inverse of
 * shownName() on everything it writes; a run of escapes whose bytes are not UTF-8 stays as it
 * is, and so does every other backslash.
 */
export function unshownName(shown: string): string {
  if (!shown.includes("\\#")) return shown;
  return shown.replace(ESCAPE_RUN, (run) => {
    const bytes = Uint8Array.from(run.slice(2).split("\\#"), (octal) => parseInt(octal, 8));
    try {
      return FROM_UTF8.decode(bytes);
    } catch {
      return run;
    }
  });
}
