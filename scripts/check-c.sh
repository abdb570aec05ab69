#!/usr/bin/env bash
# The C side's static checks, run by `npm test`: includes go one way between
# layers (scripts/check-layers.sh), and every C file is formatted as
# .clang-format says (fix with: scripts/check-c.sh --fix).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(find dataplane kni test/c test/fuzz test/bench -name '*.[ch]' | sort)
if [ "${1:-}" = "--fix" ]; then
	clang-format -i $files
	exit 0
fi
bash scripts/check-layers.sh
if ! clang-format --dry-run --Werror $files 2>/tmp/slipway-clang-format.$$; then
	grep -E '^[^ ].*: (error|warning):' /tmp/slipway-clang-format.$$ | cut -d: -f1 | sort -u |
		sed 's/^/not formatted: /'
	rm -f /tmp/slipway-clang-format.$$
	echo "format: run scripts/check-c.sh --fix"
	exit 1
fi
rm -f /tmp/slipway-clang-format.$$
echo "format: $(wc -w <<<"$files") C files formatted"
