/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vEths' network namespace (--vif-netns NAME): the TAP devices are
 * created there, and every socket that speaks to the kernel about them
 * (interface ioctls, rtnetlink) is opened there, so the instance's host
 * stack (addresses, routes, a routing daemon, kernel sync, the link mirror)
 * lives in that namespace and several instances on one host each have
 * their own. The main lcore enters the namespace only around the call that
 * creates such a descriptor and returns at once: a socket or a TAP keeps
 * the namespace it was created in, whichever thread uses it later. The
 * ports' own kernel interfaces (af_packet, af_xdp) and sysfs stay in
 * slipwayd's namespace. Main lcore only.
 */
#ifndef SW_KNI_NETNS_H
#define SW_KNI_NETNS_H

#include <stddef.h>

/*
 * Chooses the namespace: a name from `ip netns` (/run/netns/NAME) or an
 * absolute path (/proc/PID/ns/net). Called once, on the thread that becomes
 * the main lcore, before anything is created. Returns 0, or -1 with a
 * message naming the namespace and what is wrong in err.
 */
int sw_netns_use(const char *name, char *err, size_t errlen);

/* The namespace chosen ("" when the vEths live in slipwayd's own). */
const char *sw_netns_name(void);

/* socket(2) and open(2) in the vEths' namespace: -1 with errno on failure. */
int sw_netns_socket(int domain, int type, int protocol);
int sw_netns_open(const char *path, int flags);

#endif
