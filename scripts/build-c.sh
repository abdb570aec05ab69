#!/usr/bin/env bash
# Builds slipwayd and the C tests with meson/ninja, and a second slipwayd
# under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/, for the
# e2e subset that runs it); a no-op when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan --buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-asan dataplane/slipwayd
