#!/usr/bin/env bash
# A fabric of slipway routers on one machine, held together by BGP.
#
# Two or three slipwayd instances (one worker each), each with its vEths in a
# network namespace of its own (--vif-netns) where FRR's zebra, bfdd and bgpd
# run, and kernel sync on. Routers are joined by veth links on their ports
# (net_af_packet on the host ends); a host (a namespace) sits behind each.
#
#              h1 10.1.0.2                       router i: instance P r<i>, its vEths and FRR in
#                  |                               namespace P r<i>:
#               [ R1 ] AS 65001                      vEth0  10.<i>.0.1/24      (port 0: its host)
#        172.16.12 /   \ 172.16.13                   vEthK  172.16.<ij>.<i>/24 (port K: router j)
#          [ R2 ] ----- [ R3 ]                       ports on the host ends P l<i><j> (a veth to
#        AS 65002 172.16.23 AS 65003                 P l<j><i>) and P h<i> (a veth to eth0 in
#            |             |                         host namespace P h<i>); P: FABRIC_PREFIX
#        h2 10.2.0.2    h3 10.3.0.2
#
# BGP runs over the vEths (the sessions' packets are punted to the kernel and
# sent back out through the ports); each router announces its host's /24; zebra
# installs what bgpd chose in the namespace's kernel, and slipway's kernel sync
# installs that in the fast path. Traffic between hosts then crosses two (or,
# around a failed link, three) fast paths and never touches a vEth.
#
#   examples/fabric.sh            the demo: up, traffic, fail 1 2, traffic, restore 1 2, down
#   examples/fabric.sh up         build it and wait until every router has every prefix in its fast path
#   examples/fabric.sh traffic    ping between every pair of hosts, capturing on every vEth
#   examples/fabric.sh fail I J   take link I-J down (its carrier), wait until routers I and J route around it
#   examples/fabric.sh restore I J
#   examples/fabric.sh silence I J   the link stays up but drops all IP (slipway drop rules on both ends):
#                                    only BFD notices; wait until routers I and J route around it
#   examples/fabric.sh unsilence I J
#   examples/fabric.sh status     BGP sessions, kernel routes and fast-path routes of every router
#   examples/fabric.sh down       remove everything (FRR, instances, links, namespaces); safe to repeat
#
# Environment: FABRIC_PREFIX (of every name: namespaces, interfaces, instances; 1..12 of
# [A-Za-z0-9_-], default fab-), FABRIC_ROUTERS (2 or 3, default 3), FABRIC_DIR (FRR's
# configurations, sockets and logs; default /tmp/<prefix>fabric),
# FABRIC_BFD (1: BFD on the sessions, the default; 0: BGP timers only), FABRIC_KEEP=1 (keep
# FABRIC_DIR after down), FABRIC_TIMEOUT (seconds to wait for convergence, default 60).
# Needs root, hugepages, a built tree (npm run build) and FRR (Debian's frr; npm run setup).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
P=${FABRIC_PREFIX:-fab-}
N=${FABRIC_ROUTERS:-3}
DIR=${FABRIC_DIR:-/tmp/${P}fabric}
BFD=${FABRIC_BFD:-1}
TIMEOUT=${FABRIC_TIMEOUT:-60}
FRR=/usr/lib/frr
SLIPCTL=(node "$REPO/ts-api/dist/cli/main.js")
SLIPWAYD=${SLIPWAYD:-$REPO/build/dataplane/slipwayd}

say() { printf 'fabric: %s\n' "$*"; }
die() {
	printf 'fabric: %s\n' "$*" >&2
	exit 1
}

[[ $P =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$ ]] ||
	die "FABRIC_PREFIX '$P': use 1..12 of [A-Za-z0-9_-] (interface names are at most 15 bytes)"
[[ $N == 2 || $N == 3 ]] || die "FABRIC_ROUTERS '$N': 2 or 3"

# --- names and addresses ---
rns() { echo "${P}r$1"; }       # router i's namespace: its vEths and FRR
hns() { echo "${P}h$1"; }       # host i's namespace
inst() { echo "${P}r$1"; }      # router i's slipway instance
lan_if() { echo "${P}h$1"; }    # host end of router i's port 0 (its peer is eth0 in hns i)
link_if() { echo "${P}l$1$2"; } # host end of router i's port towards router j
lo_hi() { if (($1 < $2)); then echo "$1$2"; else echo "$2$1"; fi; }
link_net() { echo "172.16.$(lo_hi "$1" "$2")"; } # the /24 of link i-j; router k is .k
others() { for ((j = 1; j <= N; j++)); do ((j == $1)) || echo "$j"; done; }
port_to() { # router i's port towards router j
	local p=1 j
	for j in $(others "$1"); do
		((j == $2)) && {
			echo "$p"
			return
		}
		p=$((p + 1))
	done
	die "no link $1-$2"
}
links() { for ((i = 1; i <= N; i++)); do for ((j = i + 1; j <= N; j++)); do echo "$i $j"; done; done; }
vtysh_r() { vtysh --vty_socket "$DIR/r$1" "${@:2}"; }
slipctl() { "${SLIPCTL[@]}" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# --- clean-up: everything with this prefix, whatever state it is in ---
down() {
	local i pid
	for ((i = 1; i <= 3; i++)); do
		for d in bgpd bfdd zebra; do
			pid=$(cat "$DIR/r$i/$d.pid" 2>/dev/null || true)
			[[ -n $pid ]] && kill "$pid" 2>/dev/null || true
		done
	done
	for ((i = 1; i <= 3; i++)); do
		# whatever still runs in the namespaces (FRR that left no pid file, tcpdump, ping)
		for ns in "$(rns "$i")" "$(hns "$i")"; do
			for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill "$pid" 2>/dev/null || true; done
		done
	done
	for ((i = 1; i <= 3; i++)); do
		if [[ -e /run/slipway/$(inst "$i").ctl ]]; then
			slipctl -i "$(inst "$i")" stop >/dev/null 2>&1 || true
		fi
		pid=$(cat "$DIR/$(inst "$i").pid" 2>/dev/null || true)
		if [[ -n $pid ]] && grep -qa -- "$(inst "$i")" "/proc/$pid/cmdline" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			sleep 1
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
	for ((i = 1; i <= 3; i++)); do
		for ns in "$(rns "$i")" "$(hns "$i")"; do
			for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -9 "$pid" 2>/dev/null || true; done
		done
		ip link del "$(lan_if "$i")" 2>/dev/null || true
		for ((j = 1; j <= 3; j++)); do ip link del "$(link_if "$i" "$j")" 2>/dev/null || true; done
		ip netns del "$(rns "$i")" 2>/dev/null || true
		ip netns del "$(hns "$i")" 2>/dev/null || true
	done
	if [[ ${FABRIC_KEEP:-0} != 1 ]]; then
		rm -rf "$DIR"
		for ((i = 1; i <= 3; i++)); do rm -f "/run/slipway/$(inst "$i").log"; done
	fi
}

# A step failed: what the logs say, then clean up (unless FABRIC_KEEP=1).
on_failure() {
	local f
	for f in /run/slipway/"${P}"r?.log "$DIR"/r?/*.log; do
		[[ -s $f ]] || continue
		echo "--- last lines of $f" >&2
		tail -n 8 "$f" >&2
	done
	[[ ${FABRIC_KEEP:-0} == 1 ]] && say "FABRIC_KEEP=1: left as it is; examples/fabric.sh down removes it" >&2 && return
	down
}

# --- building it ---
host_end() { # a veth end in our namespace that slipwayd takes as a port: the host stack keeps off it
	local ifc=$1
	ip link set dev "$ifc" up
	sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1"
	ethtool -K "$ifc" tso off gso off tx off >/dev/null
	sysctl -qw "net.ipv4.conf.$ifc.arp_ignore=8" "net.ipv4.conf.$ifc.rp_filter=1" \
		"net.ipv4.conf.$ifc.forwarding=0"
}

make_router_ns() {
	local ns
	ns=$(rns "$1")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# before slipwayd creates the vEths: IPv4 only, forwarding (the kernel routes the
	# first packets of a flow until the fast path has the neighbour), no reverse-path check
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
}

make_host() {
	local ns
	ns=$(hns "$1")
	ip netns add "$ns"
	ip link add "$(lan_if "$1")" type veth peer name eth0 netns "$ns"
	host_end "$(lan_if "$1")"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv4.ip_forward=0
	ip netns exec "$ns" ethtool -K eth0 tso off gso off tx off >/dev/null
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.$1.0.2/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "10.$1.0.1"
}

start_router() {
	local i=$1 j ports=() p=1 out
	ports+=(--port "net_af_packet0,iface=$(lan_if "$i")")
	for j in $(others "$i"); do
		ports+=(--port "net_af_packet$p,iface=$(link_if "$i" "$j")")
		p=$((p + 1))
	done
	# one worker that sleeps when idle, a small pool and the smallest route table: three
	# of these share two CPUs and the hugepages
	out=$(slipctl --json -i "$(inst "$i")" start --binary "$SLIPWAYD" --vif-netns "$(rns "$i")" --kernel-sync \
		--workers 1 --main-lcore 0 --poll-mode sleep --mbufs 4095 --max-routes 1024 "${ports[@]}") ||
		die "router $i: slipwayd did not start (log: /run/slipway/$(inst "$i").log)"
	json 'print(d["pid"])' <<<"$out" >"$DIR/$(inst "$i").pid"
}

address_router() {
	local i=$1 ns j
	ns=$(rns "$i")
	ip -n "$ns" addr add "10.$i.0.1/24" dev vEth0
	for j in $(others "$i"); do
		ip -n "$ns" addr add "$(link_net "$i" "$j").$i/24" dev "vEth$(port_to "$i" "$j")"
	done
}

frr_configs() {
	local i=$1 d=$DIR/r$1 j
	mkdir -p "$d"
	cat >"$d/zebra.conf" <<-EOF
		hostname r$i
		log file $d/zebra.log
		! routes with their next hops inline: kernel sync follows those (not nexthop objects)
		no zebra nexthop kernel enable
	EOF
	cat >"$d/bfdd.conf" <<-EOF
		hostname r$i
		log file $d/bfdd.log
		! 5 x 300 ms: a session survives bfdd or a punt waiting a second on a loaded machine
		bfd
		 profile fabric
		  receive-interval 300
		  transmit-interval 300
		  detect-multiplier 5
		 exit
		exit
	EOF
	{
		echo "hostname r$i"
		echo "log file $d/bgpd.log"
		echo "router bgp 6500$i"
		echo " bgp router-id 10.$i.0.1"
		echo " no bgp ebgp-requires-policy"
		echo " no bgp network import-check"
		echo " timers bgp 2 6"
		for j in $(others "$i"); do
			local peer
			peer=$(link_net "$i" "$j").$j
			echo " neighbor $peer remote-as 6500$j"
			echo " neighbor $peer timers connect 1"
			echo " neighbor $peer advertisement-interval 0"
			if [[ $BFD == 1 ]]; then
				echo " neighbor $peer bfd"
				echo " neighbor $peer bfd profile fabric"
			fi
		done
		echo " address-family ipv4 unicast"
		echo "  network 10.$i.0.0/24"
		echo " exit-address-family"
		echo "exit"
	} >"$d/bgpd.conf"
	chown -R frr:frr "$d"
}

start_frr() {
	local i=$1 d=$DIR/r$1 ns
	ns=$(rns "$i")
	# the daemons run as FRR's own user, with every file of theirs under $d; -P 0: no TCP vty
	local common=(-d -P 0 --vty_socket "$d" -z "$d/zserv.api")
	# what they say before they daemonize (zebra: "Disabling MPLS support") goes to *-start.log,
	# which a failure prints with the other logs
	ip netns exec "$ns" "$FRR/zebra" "${common[@]}" -f "$d/zebra.conf" -i "$d/zebra.pid" \
		2>"$d/zebra-start.log"
	if [[ $BFD == 1 ]]; then
		ip netns exec "$ns" "$FRR/bfdd" "${common[@]}" -f "$d/bfdd.conf" -i "$d/bfdd.pid" \
			--bfdctl "$d/bfdd.sock" 2>"$d/bfdd-start.log"
	fi
	ip netns exec "$ns" "$FRR/bgpd" "${common[@]}" -f "$d/bgpd.conf" -i "$d/bgpd.pid" -F datacenter \
		2>"$d/bgpd-start.log"
}

# --- convergence ---
wait_until() { # what, command...: polls for up to $TIMEOUT seconds
	local what=$1 deadline=$((SECONDS + TIMEOUT))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $what"
		sleep 0.5
	done
}

sessions_up() { # router i: every BGP session established
	vtysh_r "$1" -d bgpd -c 'show bgp ipv4 unicast summary json' |
		json "p=d['peers']; sys.exit(0 if len(p)==$((N - 1)) and all(x['state']=='Established' for x in p.values()) else 1)"
}

# router i's fast path has host j's /24 from kernel sync, through its port towards router k
# (several j k pairs: one look at the table)
fast_path_via() {
	local i=$1 want=""
	shift
	while (($# >= 2)); do
		want+="('10.$1.0.0/24',$(port_to "$i" "$2")),"
		shift 2
	done
	slipctl --json -i "$(inst "$i")" route list --family 4 |
		json "r={x['prefix']:[v['port'] for v in x['via']] for x in d if x['origin']=='kernel-route'}; sys.exit(0 if all(r.get(p)==[k] for p,k in [$want]) else 1)"
}

# router i's kernel routes host j's /24 through router k
kernel_via() {
	ip -n "$(rns "$1")" route show "10.$2.0.0/24" proto bgp | grep -q "via $(link_net "$1" "$3").$3 "
}

converged() { # every router reaches every other host directly, in its kernel and its fast path
	local i j pairs
	for ((i = 1; i <= N; i++)); do
		pairs=()
		for j in $(others "$i"); do
			kernel_via "$i" "$j" "$j" || return 1
			pairs+=("$j" "$j")
		done
		fast_path_via "$i" "${pairs[@]}" || return 1
	done
}

up() {
	command -v vtysh >/dev/null && [[ -x $FRR/bgpd ]] || die "FRR is not installed (apt-get install frr; npm run setup)"
	[[ -f $REPO/ts-api/dist/cli/main.js && -x $SLIPWAYD ]] || die "build slipway first (npm run build)"
	down
	trap 'on_failure' EXIT
	mkdir -p "$DIR"
	chmod 755 "$DIR"
	local i i2 j
	for ((i = 1; i <= N; i++)); do
		make_router_ns "$i"
		make_host "$i"
	done
	while read -r i j; do
		ip link add "$(link_if "$i" "$j")" type veth peer name "$(link_if "$j" "$i")"
		host_end "$(link_if "$i" "$j")"
		host_end "$(link_if "$j" "$i")"
	done < <(links)
	for ((i = 1; i <= N; i++)); do
		start_router "$i"
		address_router "$i"
		frr_configs "$i"
		start_frr "$i"
	done
	say "$N routers up; waiting for BGP and the fast paths"
	for ((i = 1; i <= N; i++)); do wait_until "router $i's BGP sessions" sessions_up "$i"; done
	wait_until "every router to route every host's /24 in its fast path" converged
	trap - EXIT
	for ((i = 1; i <= N; i++)); do
		for i2 in $(others "$i"); do say "r$i: 10.$i2.0.0/24 via r$i2 (port $(port_to "$i" "$i2")), kernel and fast path"; done
	done
}

# --- traffic ---
routed() { # router i: routedPackets summed over its ports
	slipctl --json -i "$(inst "$1")" stats | json 'print(sum(int(p["l3"]["routedPackets"]) for p in d["ports"]))'
}

traffic() {
	local count=${1:-20} i j pids=() caps=() cap before=() after=() bad=0 out
	for ((i = 1; i <= N; i++)); do # warm-up: the kernel resolves the hosts, sync gives them to the fast path
		for j in $(others "$i"); do ip netns exec "$(hns "$i")" ping -n -q -c 3 -i 0.2 -W 2 "10.$j.0.2" >/dev/null || true; done
	done
	sleep 0.5
	for ((i = 1; i <= N; i++)); do
		for ((p = 0; p < N; p++)); do
			cap=$DIR/cap-r$i-vEth$p.pcap
			ip netns exec "$(rns "$i")" tcpdump -i "vEth$p" -nn -p -U -w "$cap" icmp 2>"$cap.err" &
			pids+=($!)
			caps+=("$cap")
		done
	done
	for cap in "${caps[@]}"; do wait_until "tcpdump on $cap" grep -q 'listening on' "$cap.err"; done
	for ((i = 1; i <= N; i++)); do before[i]=$(routed "$i"); done
	for ((i = 1; i <= N; i++)); do
		for j in $(others "$i"); do
			out=$(ip netns exec "$(hns "$i")" ping -n -q -c "$count" -i 0.02 -W 2 "10.$j.0.2" || true)
			if ! grep -q " $count received, 0% packet loss" <<<"$out"; then
				say "h$i -> h$j: $(grep 'packets transmitted' <<<"$out")"
				bad=1
			fi
		done
	done
	sleep 0.3
	kill -INT "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	for ((i = 1; i <= N; i++)); do after[i]=$(routed "$i"); done
	for ((i = 1; i <= N; i++)); do
		local seen=0 c
		for ((p = 0; p < N; p++)); do
			c=$(tcpdump -nn -r "$DIR/cap-r$i-vEth$p.pcap" 2>/dev/null | wc -l)
			seen=$((seen + c))
		done
		say "r$i: routed $((after[i] - before[i])) packets in its fast path; its vEths saw $seen ICMP packets"
		((seen == 0)) || bad=1
	done
	rm -f "$DIR"/cap-*
	((bad == 0)) || die "traffic: loss, or ICMP on a vEth (see above)"
	say "every host pinged every other, $count each way, through the fast paths only"
}

reroute_wait() { # link i-j is gone: i reaches j's host through the third router, and j reaches i's
	local i=$1 j=$2 k
	if ((N == 2)); then
		wait_until "routers $i and $j to withdraw each other's prefix" \
			bash -c "! ip -n $(rns "$i") route show 10.$j.0.0/24 proto bgp | grep -q . && ! ip -n $(rns "$j") route show 10.$i.0.0/24 proto bgp | grep -q ."
		return
	fi
	k=$((6 - i - j))
	wait_until "router $i to route 10.$j.0.0/24 through router $k" fast_path_via "$i" "$j" "$k"
	wait_until "router $j to route 10.$i.0.0/24 through router $k" fast_path_via "$j" "$i" "$k"
	say "r$i: 10.$j.0.0/24 now via r$k; r$j: 10.$i.0.0/24 now via r$k (kernel and fast path)"
}

fail() {
	say "link $1-$2 down"
	ip link set dev "$(link_if "$1" "$2")" down
	reroute_wait "$1" "$2"
}

restore() {
	say "link $1-$2 up"
	ip link set dev "$(link_if "$1" "$2")" up
	wait_until "the fabric to converge back" converged
	say "r$1 and r$2 route each other's hosts directly again"
}

# silence I J: IP stops on the link, its carrier stays: a rule on each end drops what arrives
silence() {
	say "link $1-$2 silently drops IP (slipway rules); only BFD can tell"
	slipctl -i "$(inst "$1")" rule add 900 --priority 1000 --in-port "$(port_to "$1" "$2")" --action drop
	slipctl -i "$(inst "$2")" rule add 900 --priority 1000 --in-port "$(port_to "$2" "$1")" --action drop
	reroute_wait "$1" "$2"
}

unsilence() {
	slipctl -i "$(inst "$1")" rule del 900
	slipctl -i "$(inst "$2")" rule del 900
	wait_until "the fabric to converge back" converged
	say "link $1-$2 carries IP again; direct routes back"
}

status() {
	local i
	for ((i = 1; i <= N; i++)); do
		echo "=== r$i: instance $(inst "$i"), namespace $(rns "$i")"
		vtysh_r "$i" -d bgpd -c 'show bgp ipv4 unicast summary' | grep -E '^(Neighbor|r[0-9])' || true
		[[ $BFD == 1 ]] && vtysh_r "$i" -d bfdd -c 'show bfd peers brief' | grep -E '^[0-9]' || true
		ip -n "$(rns "$i")" route show proto bgp
		slipctl -i "$(inst "$i")" route list --family 4
	done
}

cmd=${1:-demo}
shift || true
case $cmd in
up) up ;;
down) down ;;
traffic) traffic "$@" ;;
fail | restore | silence | unsilence)
	(($# == 2)) || die "$cmd: give two routers, e.g. $cmd 1 2"
	"$cmd" "$1" "$2"
	;;
status) status ;;
demo)
	up
	trap on_failure EXIT
	status
	traffic
	if ((N == 3)); then
		fail 1 2
		traffic
		restore 1 2
		if [[ $BFD == 1 ]]; then
			silence 1 3
			traffic
			unsilence 1 3
		fi
	fi
	say "done; cleaning up"
	trap - EXIT
	down
	;;
*) die "unknown command '$cmd' (up, traffic, fail I J, restore I J, silence I J, unsilence I J, status, down)" ;;
esac
