#!/usr/bin/env bash
# Checks that the C sources include one way, lowest layer first:
#   include/ <- core/ <- port/ <- l3/ rules/ policer/ tools/ <- datapath/ <- kni/ capture/ <- ctl/ <- main.c
# A file may include headers of its own folder and of lower layers only, by
# their qualified name ("core/err.h", "l3/route.h"); the ABI headers
# (include/: slipway_ctl.h and the slipway_*.h parts it includes) are the
# lowest layer, included by their own name. l3/, rules/, policer/ and tools/
# share a layer but do not include each other (tools/, DPDK's telemetry and
# pdump, reads the others only through their registered read-only operations
# and the statistics area); so do kni/ and capture/. Prints every violation;
# exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

rank() {
	case "$1" in
	include) echo 0 ;;
	core) echo 1 ;;
	port) echo 2 ;;
	l3 | rules | policer | tools) echo 3 ;;
	datapath) echo 4 ;;
	kni | capture) echo 5 ;;
	ctl) echo 6 ;;
	main) echo 7 ;;
	*) echo "" ;;
	esac
}

layer_of_file() {
	case "$1" in
	dataplane/include/*) echo include ;;
	dataplane/main.c) echo main ;;
	dataplane/*/*) f=${1#dataplane/}; echo "${f%%/*}" ;;
	kni/*) echo kni ;;
	*) echo "" ;;
	esac
}

bad=0
while IFS= read -r file; do
	from=$(layer_of_file "$file")
	from_rank=$(rank "$from")
	if [ -z "$from_rank" ]; then
		echo "$file: not in a known layer (add it to scripts/check-layers.sh)"
		bad=1
		continue
	fi
	while IFS= read -r line; do
		inc=$(sed -E 's/^#include "([^"]+)".*/\1/' <<<"$line")
		case "$inc" in
		slipway_*.h)
			# the ABI headers (dataplane/include/): included by their own name
			if [ -f "dataplane/include/$inc" ]; then
				continue
			fi
			echo "$file: #include \"$inc\": no such ABI header in dataplane/include/"
			bad=1
			continue
			;;
		esac
		case "$inc" in
		*/*) to=${inc%%/*} ;;
		*)
			echo "$file: #include \"$inc\" is not qualified by its folder"
			bad=1
			continue
			;;
		esac
		to_rank=$(rank "$to")
		if [ -z "$to_rank" ]; then
			echo "$file: #include \"$inc\": unknown layer $to"
			bad=1
		elif [ "$to" != "$from" ] && [ "$to_rank" -ge "$from_rank" ]; then
			echo "$file: #include \"$inc\": $from may not include $to (layers import one way)"
			bad=1
		fi
	done < <(grep -E '^#include "' "$file" || true)
done < <(find dataplane kni -name '*.[ch]' | sort)
if [ "$bad" -eq 0 ]; then
	echo "layers: $(find dataplane kni -name '*.[ch]' | wc -l) C files include one way"
fi
exit "$bad"
