#!/bin/sh
# Reserves 2 MiB hugepages for slipwayd and mounts hugetlbfs on /dev/hugepages
# (what `npm run setup` does on a development machine, for a service host).
# Run by slipway-hugepages.service before the agent; idempotent.
#   SLIPWAY_HUGEPAGES  pages to have at least (default 1024 = 2 GiB)
set -eu
want=${SLIPWAY_HUGEPAGES:-1024}
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
have=$(cat "$hp")
if [ "$have" -lt "$want" ]; then
	echo "reserving $want hugepages of 2 MiB (had $have)"
	echo "$want" >"$hp"
	have=$(cat "$hp")
	if [ "$have" -lt "$want" ]; then
		echo "only $have of $want hugepages could be reserved (memory fragmented? reserve them at boot: hugepages=$want on the kernel command line)" >&2
		exit 1
	fi
fi
if ! grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	echo "mounting hugetlbfs on /dev/hugepages"
	mkdir -p /dev/hugepages
	mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages
fi
echo "$have hugepages of 2 MiB reserved, hugetlbfs on /dev/hugepages"
