#!/usr/bin/env bash
# Installs the Debian packages Marquee needs when they are missing: the
# PostgreSQL 15 server, ffmpeg (media), Chromium (browser tests), Node.js and
# npm (the app builds' checkers: deploy/npm-tools.sh), xmllint (the Tizen
# config.xml check in apps/tvpack's tests). Runs apt-get
# update only when something is to be installed, so a ready machine pays nothing.
set -euo pipefail
missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15 postgresql-client-15)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v ffprobe >/dev/null || missing+=(ffmpeg)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "deploy/deps.sh: missing ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
