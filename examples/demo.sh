#!/usr/bin/env bash
# slipway demo: two peers in network namespaces on veth pairs attached to
# slipwayd as net_af_packet ports 0 and 1.
#
#   netns slw-demo-a                      host                        netns slw-demo-b
#   swp0-demo 10.11.0.2  ══ swh0-demo ─ port 0 ┐           ┌ port 1 ─ swh1-demo ══  swp1-demo 10.12.0.2
#             10.12.0.1                        slipwayd
#                                      vEth0 10.11.0.1/24   vEth1
#
# 1. A pings 10.11.0.1 on vEth0: unmatched traffic goes to the host stack
#    through vEth0 (tcpdump -i vEth0 shows it), the replies go back via port 0.
# 2. Cross-connects 0->1 and 1->0: A pings B on the fast path; vEth0 sees nothing.
# 3. Statistics, then a clean stop. Idempotent; cleans up on exit. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

INSTANCE=demo
NS_A=slw-demo-a NS_B=slw-demo-b
H0=swh0-demo H1=swh1-demo P0=swp0-demo P1=swp1-demo
VIF0=vEth0 VIF1=vEth1
SLIPCTL=(node ts-api/dist/cli/main.js --instance "$INSTANCE")
TCPDUMP_PID=

section() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
quietly() { "$@" >/dev/null 2>&1 || true; }

cleanup() {
	local rc=$?
	[ -n "$TCPDUMP_PID" ] && quietly kill "$TCPDUMP_PID"
	if [ -e "/dev/shm/slipway.$INSTANCE.ctl" ]; then
		"${SLIPCTL[@]}" stop >/dev/null 2>&1 || true
	fi
	quietly ip link del "$H0"
	quietly ip link del "$H1"
	quietly ip netns del "$NS_A"
	quietly ip netns del "$NS_B"
	return $rc
}

# tcpdump on IF in the background, its lines prefixed; waits until it listens.
start_tcpdump() {
	local iface=$1 log
	log=$(mktemp)
	tcpdump -i "$iface" -nn -l -p "${@:2}" 2>"$log" > >(sed -u -e "/^$/d" -e "s/^/    tcpdump -i $iface | /") &
	TCPDUMP_PID=$!
	for _ in $(seq 50); do grep -q 'listening on' "$log" && break; sleep 0.1; done
	grep -q 'listening on' "$log" || { cat "$log"; echo "tcpdump did not start" >&2; exit 1; }
	rm -f "$log"
}

stop_tcpdump() {
	sleep 0.3
	quietly kill -INT "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" 2>/dev/null || true
	TCPDUMP_PID=
	sleep 0.1 # let sed print the last lines
}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh needs root (network namespaces, TAP interfaces, hugepages)" >&2
	exit 1
fi
if [ ! -f ts-api/dist/cli/main.js ] || [ ! -x build/dataplane/slipwayd ]; then
	echo "build first: npm run build (npm run demo does it)" >&2
	exit 1
fi

trap cleanup EXIT
cleanup # idempotent: remove what an interrupted earlier run left behind

section "1. network namespaces $NS_A and $NS_B on veth pairs"
for side in 0 1; do
	ns=$NS_A; h=$H0; p=$P0
	[ "$side" = 1 ] && { ns=$NS_B; h=$H1; p=$P1; }
	ip netns add "$ns"
	ip link add "$h" type veth peer name "$p" netns "$ns"
	# the host end belongs to slipwayd: no IPv6, no ARP answers, strict rp_filter
	sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1" "net.ipv4.conf.$h.arp_ignore=8" "net.ipv4.conf.$h.rp_filter=1" \
		"net.ipv4.conf.$h.forwarding=0"
	ethtool -K "$h" tso off gso off tx off >/dev/null
	ip link set "$h" up
	# the peers are hosts, not routers, whatever the machine is
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ethtool -K "$p" tso off gso off tx off >/dev/null
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "$p" up
done
ip -n "$NS_A" addr add 10.11.0.2/24 dev "$P0"
ip -n "$NS_A" addr add 10.12.0.1/24 dev "$P0"
ip -n "$NS_B" addr add 10.12.0.2/24 dev "$P1"
echo "A: $(ip -n "$NS_A" -br addr show dev "$P0")"
echo "B: $(ip -n "$NS_B" -br addr show dev "$P1")"

section "2. slipctl start (slipwayd with two net_af_packet ports)"
huge=()
if [ "$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)" = 0 ]; then
	echo "no hugepages configured: using --no-huge (run npm run setup for hugepages)"
	huge=(--no-huge)
fi
"${SLIPCTL[@]}" start --port "net_af_packet0,iface=$H0" --port "net_af_packet1,iface=$H1" --workers 1 "${huge[@]}"
sysctl -qw "net.ipv6.conf.$VIF0.disable_ipv6=1" "net.ipv6.conf.$VIF1.disable_ipv6=1"

section "3. exception path: A pings 10.11.0.1 on $VIF0, the host stack answers"
ip addr add 10.11.0.1/24 dev "$VIF0"
ip link set "$VIF0" up
echo "\$ ip addr add 10.11.0.1/24 dev $VIF0; ip link set $VIF0 up"
start_tcpdump "$VIF0" icmp or arp
ip netns exec "$NS_A" ping -n -c 3 -i 0.3 10.11.0.1
stop_tcpdump

section "4. fast path: cross-connects 0->1 and 1->0, A pings B"
"${SLIPCTL[@]}" xconnect add 0 1
"${SLIPCTL[@]}" xconnect add 1 0
"${SLIPCTL[@]}" xconnect list
echo "tcpdump on $VIF0 during the ping (expect no lines: the kernel never sees this traffic):"
start_tcpdump "$VIF0" icmp
ip netns exec "$NS_A" ping -n -c 5 -i 0.2 10.12.0.2
stop_tcpdump

section "5. live statistics while A pings B every 10 ms (slipctl stats --watch)"
ip netns exec "$NS_A" ping -n -q -c 300 -i 0.01 10.12.0.2 > /dev/null &
ping_pid=$!
timeout -s INT 3.5 "${SLIPCTL[@]}" stats --watch 1 || true
wait "$ping_pid" || true
echo
"${SLIPCTL[@]}" port list
echo
"${SLIPCTL[@]}" stats

section "6. slipctl stop"
"${SLIPCTL[@]}" stop
echo
echo "demo done: slipwayd stopped, namespaces removed on exit"
