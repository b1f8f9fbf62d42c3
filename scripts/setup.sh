#!/usr/bin/env bash
# Installs whatever this checkout still lacks, then builds it. Safe to re-run: every step
# checks first and does nothing when its result is already current.
#   scripts/setup.sh build   Debian build packages, npm ci, native addon, TypeScript
#   scripts/setup.sh test    the same, plus the packages the tests use as oracles and peers
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}
BUILD_PACKAGES=(librsync-dev g++ make python3)
# rdiff: librsync's reference CLI (oracle); csync2, rsync and lsyncd: the tools we are measured against
# and differentially tested with; iproute2: network namespaces; man-db: `man -l` checks;
# time: GNU time for peak RSS in benchmarks.
TEST_PACKAGES=(rdiff csync2 rsync lsyncd iproute2 man-db sqlite3 faketime time zsh)

say() { printf 'setup: %s\n' "$*" >&2; }

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$pkg"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if ! command -v dpkg-query >/dev/null; then
    say "cannot check system packages (no dpkg-query): install these by hand: $missing"
    exit 2
  fi
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages: $missing"
    say "run as root:  apt-get update && apt-get install -y $missing"
    exit 2
  fi
  say "installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))"
  exit 2
fi

install_packages "${BUILD_PACKAGES[@]}"
[ "$mode" = test ] && install_packages "${TEST_PACKAGES[@]}"

# Node headers for node-gyp: use the ones installed with Node when present, so the build never
# needs to download them.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -f "$node_prefix/include/node/node_api.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi

stamp_dir=node_modules/.peersync
if [ ! -f "$stamp_dir/npm-ci" ] || [ package-lock.json -nt "$stamp_dir/npm-ci" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  mkdir -p "$stamp_dir" && touch "$stamp_dir/npm-ci"
fi

addon=native/build/Release/peersync_rsync.node
fs_addon=native/build/Release/peersync_fs.node
if [ -f native/binding.gyp ]; then
  if [ ! -f "$addon" ] || [ ! -f "$fs_addon" ] || [ -n "$(find native/binding.gyp native/src -newer "$addon" 2>/dev/null | head -n 1)" ]; then
    say "building the native addons (native/)"
    npx --no-install node-gyp rebuild --directory native --loglevel=error >&2
  fi
fi

say "compiling TypeScript"
npx --no-install tsc -p .
node scripts/copy-assets.mjs >/dev/null
say "bundling the CLI (scripts/bundle.mjs)"
node scripts/bundle.mjs >/dev/null
