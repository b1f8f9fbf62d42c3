#!/bin/sh
# Renders the man pages to plain text for readers without man(1): docs/man/<page>.txt, linked
# from README.md. Run it after editing man/; test/docs/rendered-man.test.ts fails while a
# rendered copy is stale. Usage: scripts/render-man.sh [OUTDIR]   (default: docs/man)
#
# man-db's `man -l` with a fixed width, no hyphenation and no justification, so the text is
# stable and diffs stay small; not a terminal, so no bold or underline escapes.
set -eu
cd "$(dirname "$0")/.."
out=${1:-docs/man}
mkdir -p "$out"
for page in man/peersync.1 man/peersync.cfg.5; do
  MANWIDTH=80 MANPAGER=cat PAGER=cat MAN_KEEP_FORMATTING= LC_ALL=C.UTF-8 \
    man --warnings --nh --nj -E UTF-8 -l "$page" >"$out/${page#man/}.txt"
done
