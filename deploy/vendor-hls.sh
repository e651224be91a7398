#!/bin/sh
# Refreshes the console's copy of hls.js (console/static/vendor/) from npm:
# the pinned version's dist/hls.min.js and its LICENSE. The console has no
# build step, so the player loads the prebuilt minified file as a classic
# script; bump HLS_VERSION, run this, and commit the result.
set -eu
HLS_VERSION="${HLS_VERSION:-1.7.4}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/console/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "hls.js@$HLS_VERSION" >/dev/null)
tar -xzf "$tmp"/hls.js-"$HLS_VERSION".tgz -C "$tmp"
mkdir -p "$dest"
cp "$tmp/package/dist/hls.min.js" "$dest/hls.min.js"
cp "$tmp/package/LICENSE" "$dest/hls.js.LICENSE"
echo "$HLS_VERSION" > "$dest/hls.js.VERSION"
echo "hls.js $HLS_VERSION → $dest"
# The white-label web app (apps/web) loads the same file, embedded from its own copy.
webdest="$root/apps/web/template/vendor"
mkdir -p "$webdest"
cp "$dest/hls.min.js" "$dest/hls.js.LICENSE" "$dest/hls.js.VERSION" "$webdest/"
echo "hls.js $HLS_VERSION → $webdest"
