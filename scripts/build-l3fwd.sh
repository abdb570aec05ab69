#!/usr/bin/env bash
# Builds DPDK's own l3fwd sample (the measuring peer of `npm run bench -- fastpath`)
# from the Debian dpdk-doc sources into build/l3fwd/dpdk-l3fwd.
#
# The sources under /usr/share/dpdk/examples are copied to build/l3fwd/src and
# never modified in place. The patch below changes only what running on
# virtual ports and loading a large route file needs; the forwarding loop,
# the LPM lookup and the packet processing are l3fwd's own:
#
#  main.c       Rx offloads are masked by the port's capabilities. l3fwd asks
#               for RTE_ETH_RX_OFFLOAD_CHECKSUM, which net_pcap and net_null
#               do not offer, so rte_eth_dev_configure() would fail. (RSS is
#               already masked by l3fwd itself; packet types come from
#               --parse-ptype, l3fwd's software parser.)
#  l3fwd_lpm.c  The IPv4 LPM table is sized for the routes read with
#               --rule_ipv4 (max_rules was fixed at 1024), and only the first
#               16 routes are printed, not a million lines.
#
# Routes come from l3fwd's own --rule_ipv4=FILE / --rule_ipv6=FILE options
# (lines "R<prefix>/<len> <port>"; both files must be given, else l3fwd uses
# its built-in table of 198.18.<port>.0/24 routes).
#
# Idempotent: a no-op when the stamp (this script, the DPDK version, the
# sample sources) matches the last build.
set -euo pipefail
cd "$(dirname "$0")/.."

examples=/usr/share/dpdk/examples
out=build/l3fwd
bin=$out/dpdk-l3fwd

if [ ! -f "$examples/l3fwd/main.c" ] || [ ! -d "$examples/common" ]; then
  echo "build-l3fwd: $examples/l3fwd not found; install dpdk-doc (npm run setup)" >&2
  exit 1
fi

stamp=$( { cat "$0"; pkg-config --modversion libdpdk;
  (cd "$examples" && find l3fwd common -type f -print0 | sort -z | xargs -0 sha256sum); } | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

rm -rf "$out/src"
mkdir -p "$out/src"
cp -r "$examples/l3fwd" "$examples/common" "$out/src/"
chmod -R u+w "$out/src"

(cd "$out/src" && patch -p1 --forward --quiet) <<'PATCH'
--- a/l3fwd/l3fwd_lpm.c
+++ b/l3fwd/l3fwd_lpm.c
@@ -566,7 +566,8 @@
 	char abuf[INET6_ADDRSTRLEN];
 
 	/* create the LPM table */
-	config_ipv4.max_rules = IPV4_L3FWD_LPM_MAX_RULES;
+	/* slipway: size the table for --rule_ipv4 files of up to millions of routes */
+	config_ipv4.max_rules = RTE_MAX(IPV4_L3FWD_LPM_MAX_RULES, route_num_v4);
 	config_ipv4.number_tbl8s = IPV4_L3FWD_LPM_NUMBER_TBL8S;
 	config_ipv4.flags = 0;
 	snprintf(s, sizeof(s), "IPV4_L3FWD_LPM_%d", socketid);
@@ -600,6 +601,11 @@
 				i, socketid);
 		}
 
+		/* slipway: name the first routes only, not a million of them */
+		if (i == 16)
+			printf("LPM: Adding %d more IPv4 routes quietly\n", route_num_v4 - i);
+		if (i >= 16)
+			continue;
 		in.s_addr = htonl(route_base_v4[i].ip);
 		printf("LPM: Adding route %s / %d (%d) [%s]\n",
 		       inet_ntop(AF_INET, &in, abuf, sizeof(abuf)),
--- a/l3fwd/main.c
+++ b/l3fwd/main.c
@@ -1240,6 +1240,9 @@
 		local_port_conf.rx_adv_conf.rss_conf.rss_hf &=
 			dev_info.flow_type_rss_offloads;
 
+		/* slipway: virtual ports (net_pcap, net_null) lack Rx checksum offload */
+		local_port_conf.rxmode.offloads &= dev_info.rx_offload_capa;
+
 		if (dev_info.max_rx_queues == 1)
 			local_port_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
 
@@ -1359,7 +1362,8 @@
 					portid, strerror(-ret));
 
 			rxq_conf = dev_info.default_rxconf;
-			rxq_conf.offloads = port_conf.rxmode.offloads;
+			rxq_conf.offloads = port_conf.rxmode.offloads &
+				dev_info.rx_offload_capa; /* slipway: see above */
 			if (!per_port_pool)
 				ret = rte_eth_rx_queue_setup(portid, queueid,
 						nb_rxd, socketid,
PATCH

make -s -C "$out/src/l3fwd" shared >"$out/build.log" 2>&1 || {
  cat "$out/build.log" >&2
  echo "build-l3fwd: make failed (log: $out/build.log)" >&2
  exit 1
}
cp "$out/src/l3fwd/build/l3fwd-shared" "$bin"
echo "$stamp" >"$out/stamp"
echo "build-l3fwd: built $bin"
