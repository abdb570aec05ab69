#!/usr/bin/env bash
# Builds and runs the fuzz targets, each for a bounded time:
#   ctl     the control-request path (ring framing + decoder)
#   packet  the packet path (rule key, classify, look-up, rewrite) against a
#           reference parser, on real FIBs (EAL with --no-huge)
#   offload the vEth offload path (frames and virtio-net headers from the kernel)
#   sync    kernel sync's rtnetlink handlers (parser and router) on a model of
#           the tables through struct sw_lcp_tables (no EAL)
#
#   test/fuzz/run.sh [SECONDS]         each target that long, default 60
#   test/fuzz/run.sh --merge           fold build/fuzz-new-* into the kept corpora
# Known crashers in test/fuzz/regressions* run first; new inputs go to
# build/fuzz-new-<target>, new crashes to test/fuzz/crash-<target>-*.
set -euo pipefail
cd "$(dirname "$0")/../.."
san=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
dpdk=$(pkg-config --cflags --libs libdpdk)
mkdir -p build test/fuzz/corpus test/fuzz/corpus-packet test/fuzz/corpus-offload test/fuzz/corpus-sync
clang "${san[@]}" -Idataplane -Idataplane/include \
	test/fuzz/fuzz_ctl.c dataplane/core/api.c dataplane/core/err.c \
	dataplane/ctl/ring.c dataplane/ctl/decode.c -o build/fuzz_ctl
# shellcheck disable=SC2086 # pkg-config output is a word list
clang "${san[@]}" -march=native -DALLOW_EXPERIMENTAL_API -Wno-deprecated-declarations \
	-I. -Idataplane -Idataplane/include test/fuzz/fuzz_packet.c dataplane/datapath/trace.c $dpdk \
	-o build/fuzz_packet
# shellcheck disable=SC2086
clang "${san[@]}" -march=native -DALLOW_EXPERIMENTAL_API -Wno-deprecated-declarations \
	-I. -Idataplane -Idataplane/include test/fuzz/fuzz_offload.c kni/offload.c $dpdk \
	-o build/fuzz_offload
# shellcheck disable=SC2086
clang "${san[@]}" -march=native -DALLOW_EXPERIMENTAL_API -Wno-deprecated-declarations \
	-I. -Idataplane -Idataplane/include test/fuzz/fuzz_sync.c kni/nl_parse.c kni/lcp_router.c \
	kni/lcp_addr.c kni/lcp_resync.c kni/lcp_events.c dataplane/core/util.c dataplane/core/err.c $dpdk -o build/fuzz_sync

targets=(ctl packet offload sync)
corpus() { [ "$1" = ctl ] && echo test/fuzz/corpus || echo "test/fuzz/corpus-$1"; }
maxlen() { case "$1" in ctl) echo 4104 ;; packet) echo 2048 ;; *) echo 4096 ;; esac; }

if [ "${1:-}" = "--merge" ]; then
	for t in "${targets[@]}"; do
		mkdir -p "build/fuzz-new-$t"
		"build/fuzz_$t" -merge=1 "$(corpus "$t")" "build/fuzz-new-$t" 2>&1 | tail -n 1
	done
	exit 0
fi
secs=${1:-60}
for t in "${targets[@]}"; do
	mkdir -p "build/fuzz-new-$t"
	echo "== fuzz $t: ${secs}s"
	reg=test/fuzz/regressions$([ "$t" = ctl ] || echo "-$t")
	if compgen -G "$reg/*" >/dev/null; then
		"build/fuzz_$t" "$reg"/* 2>&1 | tail -n 1 # known crashers first
	fi
	"build/fuzz_$t" -max_total_time="$secs" -max_len="$(maxlen "$t")" -print_final_stats=1 \
		-artifact_prefix="test/fuzz/crash-$t-" "build/fuzz-new-$t" "$(corpus "$t")" 2>&1 |
		grep -E 'stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|assert|==[0-9]+==' | head -n 20
	test "${PIPESTATUS[0]}" -eq 0
done
