#!/usr/bin/env bash
# Builds slipwayd and the C tests with meson/ninja; a no-op when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build
