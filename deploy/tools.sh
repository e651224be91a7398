#!/usr/bin/env bash
# Builds the pinned service binaries (Temporal CLI, Ory Keto, stripe-mock, sqlc,
# staticcheck, Pebble) from their modules under deploy/tools into bin/. Each
# build is cached outside the work tree by name and module checksum, so a fresh
# clone on the same machine (CI runs in one) copies instead of rebuilding;
# Temporal alone takes minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${MARQUEE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/marquee}/bin
mkdir -p "$root/bin" "$cache"

# name  module-dir  package
tools=(
  "temporal temporal github.com/temporalio/cli/cmd/temporal"
  "keto keto github.com/ory/keto"
  "stripe-mock stripemock github.com/stripe/stripe-mock"
  "sqlc sqlc github.com/sqlc-dev/sqlc/cmd/sqlc"
  "staticcheck staticcheck honnef.co/go/tools/cmd/staticcheck"
  "pebble pebble github.com/letsencrypt/pebble/v2/cmd/pebble"
)
want=${*:-temporal keto stripe-mock sqlc staticcheck pebble}

for t in "${tools[@]}"; do
  read -r name dir pkg <<<"$t"
  case " $want " in *" $name "*) ;; *) continue ;; esac
  mod="$root/deploy/tools/$dir"
  key=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)
  cached="$cache/$name-$key"
  if [ ! -x "$cached" ]; then
    echo "building $name (cached as $cached; this can take minutes)" >&2
    cgo=0
    [ "$name" = sqlc ] && cgo=1  # sqlc's PostgreSQL parser is C
    (cd "$mod" && CGO_ENABLED=$cgo go build -trimpath -o "$cached.tmp" "$pkg")
    mv "$cached.tmp" "$cached"
  fi
  if ! cmp -s "$cached" "$root/bin/$name"; then
    cp "$cached" "$root/bin/$name.tmp" && mv "$root/bin/$name.tmp" "$root/bin/$name"
  fi
done
