#!/usr/bin/env bash
# Prepares a fresh Debian 12 host for slipway; idempotent, quick when done.
#  - Debian packages: DPDK 22.11 (runtime, headers, sample sources), meson,
#    ninja, tcpdump, iproute2, ethtool, iperf3, clang (fuzzing), clang-format,
#    frr (the BGP fabric of examples/fabric.sh runs its own zebra, bfdd and bgpd
#    per namespace; the package's own service is neither needed nor used)
#  - npm packages (npm ci when node_modules is missing or older than the lock)
#  - 2 MiB hugepages for mempools and route tables (SLIPWAY_HUGEPAGES, default
#    1024 = 2 GiB: room for two instances, or one with a million routes)
#  - bpffs on /sys/fs/bpf (net_af_xdp ports load their XDP program through it)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: slipway needs root (hugepages, TAP devices, network namespaces)" >&2
  exit 1
fi

pkgs=(dpdk dpdk-dev libdpdk-dev dpdk-doc meson ninja-build pkg-config gcc g++ make python3
      python3-pyelftools libpcap-dev tcpdump iproute2 iputils-ping ethtool iperf3 procps net-tools
      clang libclang-rt-14-dev clang-format frr)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # installed here for examples/fabric.sh, which runs its own daemons per namespace: the
  # package's service would run a zebra in the host's namespace beside every test's vEths
  if [[ " ${missing[*]} " == *" frr "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now frr.service >/dev/null 2>&1 || true
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# hugepages and hugetlbfs: the same script a service host runs before the agent
sh examples/systemd/slipway-hugepages.sh
if ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
  say "mounting bpffs on /sys/fs/bpf"
  mkdir -p /sys/fs/bpf
  mount -t bpf bpf /sys/fs/bpf
fi
exit 0
