#!/usr/bin/env bash
# Installs the pinned npm tools the app builds are checked with (deploy/npm:
# brighterscript's bsc, @rokucommunity/bslint, @webos-tools/cli's ares-package)
# into bin/npm/node_modules, from deploy/npm's lockfile. The install is cached
# outside the work tree by the lockfile's checksum, so a fresh clone on the same
# machine copies instead of downloading. Tests find the tools under bin/npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${MARQUEE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/marquee}/npm
src="$root/deploy/npm"
key=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
cached="$cache/$key"
if [ ! -f "$cached/.done" ]; then
  echo "installing app-check tools from npm (cached as $cached)" >&2
  rm -rf "$cached.tmp" && mkdir -p "$cached.tmp"
  cp "$src/package.json" "$src/package-lock.json" "$cached.tmp/"
  (cd "$cached.tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$cached.tmp/.done"
  rm -rf "$cached" && mv "$cached.tmp" "$cached"
fi
dest="$root/bin/npm"
if [ ! -f "$dest/.key" ] || [ "$(cat "$dest/.key")" != "$key" ]; then
  rm -rf "$dest" && mkdir -p "$dest"
  cp -a "$cached/node_modules" "$dest/"
  echo "$key" > "$dest/.key"
fi
