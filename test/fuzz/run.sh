#!/usr/bin/env bash
# Builds and runs the control-request fuzz target for a bounded time.
#   test/fuzz/run.sh [SECONDS]   (default 60)
# Crashes are written to test/fuzz/crash-*; the corpus is kept in test/fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
mkdir -p build test/fuzz/corpus
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Idataplane/include -Idataplane/ctl -Idataplane/control \
  test/fuzz/fuzz_ctl.c dataplane/ctl/ring.c dataplane/ctl/decode.c -o build/fuzz_ctl
build/fuzz_ctl test/fuzz/regressions/*   # known crashers first
build/fuzz_ctl -max_total_time="$secs" -max_len=4104 -print_final_stats=1 \
  -artifact_prefix=test/fuzz/crash- test/fuzz/corpus 2>&1 | tail -n 12
