/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipwayd: options, EAL, mempool, workers, the main lcore loop (control
 * ring, vEth service, housekeeping) and a clean shutdown that checks every
 * mbuf came home.
 *
 *   slipwayd [slipway options] -- [EAL options]
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "core/bell.h"
#include "core/log.h"
#include "core/module.h"
#include "core/publish.h"
#include "core/state.h"
#include "core/stats.h"
#include "core/util.h"
#include "ctl/ctl.h"
#include "ctl/json_sock.h"
#include "datapath/worker.h"
#include "kni/netns.h"
#include "kni/vif.h"
#include "l3/l3.h"
#include "l3/route.h"
#include "port/pool.h"
#include "port/port.h"
#include "rules/rules.h"

struct sw_state sw = {
	.instance = "default",
	.vif_prefix = "vEth",
	.ctl_dir = "/run/slipway",
	.n_mbufs = 16383,
	.idle_us = 200,
	.spin_us = 100,
	.idle_sleep_us = 1000,
	.max_routes = SW_MAX_ROUTES_DEFAULT,
	.max_rules = SW_MAX_RULES_DEFAULT,
	.sync_audit_s = 30,
};
int sw_logtype;

#define MAX_CLI_PORTS SW_MAX_PORTS
#define STATS_NS      (500ull * 1000 * 1000) /* device counters refresh */
#define DEEP_IDLE_NS  (50ull * 1000 * 1000)  /* no work for this long: deep idle */
#define DEEP_IDLE_US  2000u		     /* deep idle, a JSON client connected: sleep bound */
#define DEEP_SLEEP_US 10000u /* deep idle: sleep bound, the bell (core/bell.h) wakes it */

static const char *json_socket;
static const char *cli_ports[MAX_CLI_PORTS];
static unsigned int n_cli_ports;

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [options] -- [EAL options]\n"
		"  --instance NAME     instance name (control file slipway.NAME.ctl), default "
		"'default'\n"
		"  --port DEVARGS      add a port (repeatable): net_af_packet0,iface=eth1 | PCI "
		"address\n"
		"  --vif-prefix P      vEth interface prefix, default 'vEth' (vEth0, vEth1, ...)\n"
		"  --vif-netns NAME    create the vEths in network namespace NAME (ip netns; or\n"
		"                      a path like /proc/PID/ns/net): their host stack, kernel\n"
		"                      sync and link mirror live there\n"
		"  --mbufs N           mempool size, default 16383\n"
		"  --spin-us N         main lcore keeps polling this long after its last work\n"
		"                      before sleeping, default 100 (0: sleep at once)\n"
		"  --idle-us N         main lcore sleep bound when idle, default 200\n"
		"  --idle-sleep-us N   a worker whose queues stay empty sleeps, growing to this\n"
		"                      bound (1..10000), default 1000; the first packet ends it\n"
		"  --poll-mode M       sleep (default: idle back-off), busy (workers always\n"
		"                      poll) or interrupt (idle workers wait for an rx\n"
		"                      interrupt where the driver has them, e.g. net_tap)\n"
		"  --max-routes N      IPv4 route table size, default 65536 (1M routes: 1100000)\n"
		"  --max-rules N       match-action rules, default 16384\n"
		"  --ctl-dir DIR       control file directory (created 0700 if missing; it must "
		"be\n"
		"                      ours and closed to others), default /run/slipway\n"
		"  --json-socket PATH  also serve newline-delimited JSON requests on a Unix\n"
		"                      socket (the benchmark's baseline transport)\n"
		"  --kernel-sync       start with kernel sync on: the vEths' addresses, "
		"neighbours\n"
		"                      and routes in the kernel are installed in the fast path\n"
		"  --sync-audit-s N    kernel sync compares the kernel and the fast path every N\n"
		"                      seconds and repairs what differs (0: never), default 30\n"
		"  --dpdk-tools        shared EAL configuration instead of --in-memory, and the\n"
		"                      pdump server: dpdk-dumpcap, dpdk-pdump and dpdk-proc-info\n"
		"                      attach with --file-prefix=slipway-NAME (needs hugepages)\n"
		"EAL: -l/--main-lcore choose lcores (every non-main lcore is a worker);\n"
		"--no-pci, --in-memory (not with --no-huge or --dpdk-tools) and\n"
		"--file-prefix=slipway-NAME are added unless given.\n",
		prog);
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

/* An `ip netns` name, or an absolute path to a namespace file. */
static bool netns_ok(const char *s)
{
	size_t n = strlen(s);

	if (s[0] == '/')
		return n < SW_NETNS_LEN;
	if (n == 0 || n >= SW_NETNS_LEN || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static int parse_uint(const char *opt, const char *v, unsigned int lo, unsigned int hi,
		      unsigned int *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || end == v || x < lo || x > hi) {
		fprintf(stderr, "slipwayd: %s '%s': expected an integer in %u..%u\n", opt, v, lo,
			hi);
		return -1;
	}
	*out = x;
	return 0;
}

static int parse_app_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "instance", required_argument, NULL, 'i' },
		{ "port", required_argument, NULL, 'p' },
		{ "vif-prefix", required_argument, NULL, 'v' },
		{ "vif-netns", required_argument, NULL, 'n' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "idle-us", required_argument, NULL, 'u' },
		{ "spin-us", required_argument, NULL, 's' },
		{ "idle-sleep-us", required_argument, NULL, 'I' },
		{ "poll-mode", required_argument, NULL, 'P' },
		{ "ctl-dir", required_argument, NULL, 'c' },
		{ "json-socket", required_argument, NULL, 'j' },
		{ "max-routes", required_argument, NULL, 'r' },
		{ "max-rules", required_argument, NULL, 'R' },
		{ "kernel-sync", no_argument, NULL, 'k' },
		{ "sync-audit-s", required_argument, NULL, 'a' },
		{ "dpdk-tools", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!name_ok(optarg, SW_NAME_LEN - 1)) {
				fprintf(stderr,
					"slipwayd: --instance '%s': use 1..%u of [A-Za-z0-9_-]\n",
					optarg, SW_NAME_LEN - 1);
				return -1;
			}
			sw.instance = optarg;
			break;
		case 'p':
			if (n_cli_ports == MAX_CLI_PORTS) {
				fprintf(stderr, "slipwayd: at most %u ports\n", MAX_CLI_PORTS);
				return -1;
			}
			cli_ports[n_cli_ports++] = optarg;
			break;
		case 'v':
			/* room for two digits within IFNAMSIZ */
			if (!name_ok(optarg, SW_IFNAME_LEN - 3)) {
				fprintf(stderr,
					"slipwayd: --vif-prefix '%s': use 1..%u of [A-Za-z0-9_-]\n",
					optarg, SW_IFNAME_LEN - 3);
				return -1;
			}
			sw.vif_prefix = optarg;
			break;
		case 'n':
			if (!netns_ok(optarg)) {
				fprintf(stderr,
					"slipwayd: --vif-netns '%s': use a name of 1..%u of "
					"[A-Za-z0-9_.-] or an absolute path shorter than %u "
					"bytes\n",
					optarg, SW_NETNS_LEN - 1, SW_NETNS_LEN);
				return -1;
			}
			sw.vif_netns = optarg;
			break;
		case 'm':
			if (parse_uint("--mbufs", optarg, 1023, 1u << 22, &sw.n_mbufs))
				return -1;
			break;
		case 'u':
			if (parse_uint("--idle-us", optarg, 1, 1000000, &sw.idle_us))
				return -1;
			break;
		case 's':
			if (parse_uint("--spin-us", optarg, 0, 1000000, &sw.spin_us))
				return -1;
			break;
		case 'I':
			if (parse_uint("--idle-sleep-us", optarg, 1, 10000, &sw.idle_sleep_us))
				return -1;
			break;
		case 'P':
			if (strcmp(optarg, "sleep") == 0)
				sw.poll_mode = SW_POLL_SLEEP;
			else if (strcmp(optarg, "busy") == 0)
				sw.poll_mode = SW_POLL_BUSY;
			else if (strcmp(optarg, "interrupt") == 0)
				sw.poll_mode = SW_POLL_INTERRUPT;
			else {
				fprintf(stderr,
					"slipwayd: --poll-mode '%s': expected sleep, busy or "
					"interrupt\n",
					optarg);
				return -1;
			}
			break;
		case 'c':
			sw.ctl_dir = optarg;
			break;
		case 'j':
			json_socket = optarg;
			break;
		case 'r':
			if (parse_uint("--max-routes", optarg, 1024, 1u << 24, &sw.max_routes))
				return -1;
			break;
		case 'R':
			if (parse_uint("--max-rules", optarg, 1024, 1u << 20, &sw.max_rules))
				return -1;
			break;
		case 'k':
			sw.kernel_sync = true;
			break;
		case 'a':
			if (parse_uint("--sync-audit-s", optarg, 0, 86400, &sw.sync_audit_s))
				return -1;
			break;
		case 'T':
			sw.dpdk_tools = true;
			break;
		case 'h':
		default:
			usage(argv[0]);
			return -1;
		}
	}
	return 0;
}

static bool looks_pci(const char *d)
{
	/* DDDD:BB:DD.F or BB:DD.F at the start */
	unsigned int a, b, c, f;
	char tail;

	return sscanf(d, "%x:%x:%x.%x%c", &a, &b, &c, &f, &tail) >= 4 ||
	       sscanf(d, "%x:%x.%x%c", &a, &b, &f, &tail) >= 3;
}

static bool has_arg(int argc, char **argv, const char *a)
{
	size_t n = strlen(a);

	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], a, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
			return true;
	return false;
}

/* EAL argv: user's EAL args plus our defaults. */
static char **build_eal_args(int argc, char **argv, int *eal_argc, char *prefix_buf, size_t plen)
{
	char **ea = calloc(argc + 2 * MAX_CLI_PORTS + 8, sizeof(char *));
	bool pci_named = has_arg(argc, argv, "-a") || has_arg(argc, argv, "--allow") ||
			 has_arg(argc, argv, "-b") || has_arg(argc, argv, "--block");
	int n = 0;

	if (ea == NULL)
		return NULL;
	ea[n++] = "slipwayd";
	for (int i = 0; i < argc; i++)
		ea[n++] = argv[i];
	for (unsigned int i = 0; i < n_cli_ports; i++) {
		if (looks_pci(cli_ports[i])) {
			ea[n++] = "-a";
			ea[n++] = (char *)cli_ports[i];
			pci_named = true;
		}
	}
	if (!pci_named && !has_arg(argc, argv, "--no-pci"))
		ea[n++] = "--no-pci";
	/* --no-huge has no hugepage files to keep off the disk, and EAL refuses
	 * --in-memory with it (it implies legacy memory); --dpdk-tools keeps the
	 * shared configuration secondary processes attach to */
	if (!has_arg(argc, argv, "--in-memory") && !has_arg(argc, argv, "--no-huge") &&
	    !sw.dpdk_tools)
		ea[n++] = "--in-memory";
	if (!has_arg(argc, argv, "--file-prefix")) {
		snprintf(prefix_buf, plen, "--file-prefix=slipway-%s", sw.instance);
		ea[n++] = prefix_buf;
	}
	if (has_arg(argc, argv, "--no-huge") && !has_arg(argc, argv, "-m") &&
	    !has_arg(argc, argv, "--socket-mem"))
		ea[n++] = "-m1024"; /* room for the route tables without hugepages */
	if (has_arg(argc, argv, "--no-huge"))
		fprintf(stderr, "slipwayd: WARNING: --no-huge: mempool in ordinary pages; "
				"for development only, expect lower performance\n");
	*eal_argc = n;
	return ea;
}

static void on_signal(int sig)
{
	RTE_SET_USED(sig);
	sw.quit = true;
	sw_ctl_wake();
}

static int setup_workers(void)
{
	unsigned int lcore;

	sw.stats->lcores[0].lcore_id = rte_get_main_lcore();
	sw.stats->lcores[0].role = SW_ROLE_MAIN;
	RTE_LCORE_FOREACH_WORKER (lcore) {
		if (sw.n_workers == SW_MAX_LCORES - 1) {
			SW_LOG(ERR, "at most %u worker lcores", SW_MAX_LCORES - 1);
			return -1;
		}
		struct sw_worker *w = &sw.workers[sw.n_workers];
		w->lcore_id = lcore;
		w->index = sw.n_workers;
		w->stats = &sw.stats->lcores[sw.n_workers + 1];
		w->l3 = sw.stats->l3[sw.n_workers + 1];
		w->stats->lcore_id = lcore;
		w->stats->role = SW_ROLE_WORKER;
		sw.n_workers++;
	}
	sw.stats->n_lcores = sw.n_workers + 1;
	if (sw.n_workers == 0) {
		SW_LOG(ERR, "no worker lcore: give at least two lcores, e.g. -l 0,1");
		return -1;
	}
	if (sw_bell_workers_init(sw.n_workers) != 0) {
		SW_LOG(ERR, "workers' eventfds: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The main lcore loop: requests, vEth traffic, housekeeping.
 *
 * Latency against CPU: after its last work the main lcore keeps polling for
 * --spin-us (a request arriving then is answered in about a microsecond),
 * then sleeps on the request ring's futex (or the JSON socket) for at most
 * --idle-us. A request that finds it asleep pays a futex wake-up (a few
 * microseconds); a frame from the kernel on a vEth waits at most --idle-us.
 * Idle cost: one wake-up per --idle-us, no spinning.
 */
static void stats_tick(uint64_t now_ns)
{
	RTE_SET_USED(now_ns);
	sw_stats_refresh();
}
SW_PERIODIC_REGISTER("statistics", STATS_NS, stats_tick)

static void lcore_time(uint64_t *field, uint64_t ns)
{
	__atomic_store_n(field, *field + ns, __ATOMIC_RELAXED);
}

static void main_loop(void)
{
	struct sw_lcore_stats *st = &sw.stats->lcores[0];
	uint64_t now = sw_mono_ns(), last_work = now, then;
	bool armed = false; /* deep idle: the bell armed, the vEths raising SIGIO */

	while (!sw.quit) {
		/* read before looking for work: whatever rings after this wakes the
		 * sleep below at once */
		const uint32_t bell = __atomic_load_n(&sw_bell_word, __ATOMIC_SEQ_CST);
		unsigned int work = sw_vif_service() + sw_ctl_serve() + sw_json_serve();

		sw_publish_poll();
		then = now;
		now = sw_mono_ns();
		sw_ctl_heartbeat(now);
		work += sw_periodic_run(now);
		if (work) {
			last_work = now;
			if (armed) {
				sw_vif_notify(false);
				sw_bell_disarm();
				armed = false;
			}
			__atomic_store_n(&st->busy_polls, st->busy_polls + 1, __ATOMIC_RELAXED);
			lcore_time(&st->busy_ns, now - then);
			continue;
		}
		__atomic_store_n(&st->idle_polls, st->idle_polls + 1, __ATOMIC_RELAXED);
		lcore_time(&st->idle_ns, now - then);
		if (now - last_work < (uint64_t)sw.spin_us * 1000 || sw_publish_busy())
			continue;
		/* after 50 ms of nothing at all, sleep longer: a request wakes us at
		 * once, and so does the bell (a punted frame, a frame from the kernel
		 * on a vEth, a telemetry request) */
		const bool deep = now - last_work > DEEP_IDLE_NS;

		if (sw_json_client_fd() >= 0) {
			/* a JSON client is connected: its socket wakes us */
			uint64_t us = deep ? RTE_MAX(sw.idle_us, DEEP_IDLE_US) : sw.idle_us;
			struct pollfd pfd = { .fd = sw_json_client_fd(), .events = POLLIN };

			poll(&pfd, 1, (int)((us + 999) / 1000));
		} else if (deep && !armed) {
			/* arm, then look once more: what came before rang nothing */
			sw_bell_arm();
			sw_vif_notify(true);
			armed = true;
			continue;
		} else if (deep) {
			sw_ctl_sleep((uint64_t)RTE_MAX(sw.idle_us, DEEP_SLEEP_US) * 1000,
				     &sw_bell_word, bell);
		} else {
			sw_ctl_sleep((uint64_t)sw.idle_us * 1000, NULL, 0);
		}
		then = now;
		now = sw_mono_ns();
		lcore_time(&st->sleep_ns, now - then);
	}
	if (armed) {
		sw_vif_notify(false);
		sw_bell_disarm();
	}
}

/* Every mbuf must be back in the pool once ports and rings are gone. */
static int check_mempool(void)
{
	unsigned int total = sw.mp->size, avail = rte_mempool_avail_count(sw.mp);
	unsigned int port_leaks = sw_port_pools_release();

	if (avail == total && port_leaks == 0) {
		SW_LOG(NOTICE, "shutdown: mempool %s: %u/%u mbufs free", sw.mp->name, avail, total);
		return 0;
	}
	if (avail != total)
		SW_LOG(ERR, "shutdown: mempool %s: %u/%u mbufs free: leaked %u mbufs", sw.mp->name,
		       avail, total, total - avail);
	return -1;
}

int main(int argc, char **argv)
{
	char prefix[64], rundir[PATH_MAX];
	int sep = argc, eal_argc, eal_n, ret, rc = 0;
	unsigned int files, pages;
	char **eal_argv;
	struct sw_err e;
	bool owner = false; /* the control file is ours: so are the EAL files */

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (parse_app_args(sep, argv) != 0)
		return 2;
	/* before EAL: this thread becomes the main lcore, which enters the namespace */
	if (sw.vif_netns != NULL) {
		char err[512];

		if (sw_netns_use(sw.vif_netns, err, sizeof(err)) != 0) {
			fprintf(stderr, "slipwayd: %s\n", err);
			return 1;
		}
	}
	eal_n = argc - sep - 1 > 0 ? argc - sep - 1 : 0;
	if (sw.dpdk_tools) {
		/* what secondary processes cannot attach to */
		static const char *const conflicting[][2] = {
			{ "--in-memory", "no shared configuration" },
			{ "--no-shconf", "no shared configuration" },
			{ "--no-huge", "memory no other process can map" },
		};

		for (unsigned int i = 0; i < RTE_DIM(conflicting); i++)
			if (has_arg(eal_n, argv + sep + 1, conflicting[i][0])) {
				fprintf(stderr,
					"slipwayd: --dpdk-tools and EAL %s: DPDK's tools are "
					"secondary processes and %s leaves them %s\n",
					conflicting[i][0], conflicting[i][0], conflicting[i][1]);
				return 2;
			}
	}
	eal_argv = build_eal_args(eal_n, argv + sep + 1, &eal_argc, prefix, sizeof(prefix));
	if (eal_argv == NULL)
		return 1;

	if (sw.poll_mode == SW_POLL_INTERRUPT)
		sw_bell_rt_signals(false);
	ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "slipwayd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	sw_logtype = rte_log_register_type_and_pick_level("slipway", RTE_LOG_INFO);
	rte_openlog_stream(stderr);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (sw_bell_sigio_init() != 0) {
		fprintf(stderr, "slipwayd: SIGIO handler: %s\n", strerror(errno));
		rc = 1;
		goto out_eal;
	}

	if (sw_ctl_open() != 0) {
		rc = 1;
		goto out_eal;
	}
	owner = true;
	if (json_socket != NULL && sw_json_open(json_socket) != 0) {
		rc = 1;
		goto out_ctl;
	}
	if (setup_workers() != 0) {
		rc = 1;
		goto out_ctl;
	}
	sw.mp = rte_pktmbuf_pool_create("sw_mbuf", sw.n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					rte_socket_id());
	if (sw.mp == NULL) {
		SW_LOG(ERR, "mempool sw_mbuf: cannot allocate %u mbufs: %s (hugepages reserved?)",
		       sw.n_mbufs, rte_strerror(rte_errno));
		rc = 1;
		goto out_ctl;
	}
	if (sw_modules_init() != 0 || sw_publish_init() != 0) {
		rc = 1;
		goto out_modules;
	}
	for (unsigned int i = 0; i < n_cli_ports; i++) {
		if (sw_port_add(cli_ports[i], &e) < 0) {
			SW_LOG(ERR, "%s", e.msg);
			rc = 1;
			goto out_ports;
		}
	}
	for (unsigned int w = 0; w < sw.n_workers; w++)
		rte_eal_remote_launch(sw_worker_main, &sw.workers[w], sw.workers[w].lcore_id);

	sw_stats_refresh();
	sw_ctl_set_state(SW_STATE_READY);
	SW_LOG(NOTICE, "instance %s ready: pid %d, %u worker(s), %u port(s), control file %s%s%s",
	       sw.instance, getpid(), sw.n_workers, sw_ports_count(), sw_ctl_path(),
	       sw.vif_netns != NULL ? ", vEths in network namespace " : "",
	       sw.vif_netns != NULL ? sw.vif_netns : "");

	main_loop();

	SW_LOG(NOTICE, "instance %s stopping", sw.instance);
	sw_ctl_set_state(SW_STATE_STOPPING);
out_ports:
	sw.quit = true;
	sw_bell_workers_ring();
	rte_eal_mp_wait_lcore();
	sw_ports_close_all();
out_modules:
	sw_publish_fini();
	sw_modules_fini();
	if (check_mempool() != 0)
		rc = 3;
	rte_mempool_free(sw.mp);
out_ctl:
	sw_json_close();
	sw_ctl_close();
	sw_bell_workers_fini();
out_eal:
	rte_eal_cleanup();
	free(eal_argv);
	/* EAL leaves its runtime directory (and with --dpdk-tools hugepage
	 * files when a secondary still held memory): an instance that stopped
	 * leaves nothing. Not when another slipwayd owns the instance. */
	if (owner) {
		if (sw_eal_files_remove(rundir, &files, &pages) != 0)
			fprintf(stderr, "slipwayd: shutdown: cannot remove %s: %s\n", rundir,
				strerror(errno));
		else
			fprintf(stderr,
				"slipwayd: shutdown: removed %s (%u entries) and %u hugepage "
				"files\n",
				rundir, files, pages);
	}
	return rc;
}
