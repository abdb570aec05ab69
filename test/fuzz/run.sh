#!/usr/bin/env bash
# Builds and runs the control-request fuzz target for a bounded time.
#   test/fuzz/run.sh [SECONDS]        default 60; new inputs go to build/fuzz-new
#   test/fuzz/run.sh --merge          fold build/fuzz-new into the kept corpus
# Known crashers in test/fuzz/regressions run first; new crashes are written
# to test/fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz-new test/fuzz/corpus
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Idataplane -Idataplane/include \
  test/fuzz/fuzz_ctl.c dataplane/core/api.c dataplane/core/err.c \
  dataplane/ctl/ring.c dataplane/ctl/decode.c -o build/fuzz_ctl
if [ "${1:-}" = "--merge" ]; then
  build/fuzz_ctl -merge=1 test/fuzz/corpus build/fuzz-new 2>&1 | tail -n 2
  exit 0
fi
secs=${1:-60}
build/fuzz_ctl test/fuzz/regressions/* 2>&1 | tail -n 1   # known crashers first
build/fuzz_ctl -max_total_time="$secs" -max_len=4104 -print_final_stats=1 \
  -artifact_prefix=test/fuzz/crash- build/fuzz-new test/fuzz/corpus 2>&1 | tail -n 12
