/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TAP devices for the vEths, opened by slipwayd itself rather than through
 * net_tap: net_tap has no virtio-net header, so it can neither hand the
 * kernel a coalesced TCP frame nor take a TSO super-frame from it.
 *
 * Link properties (MTU, MAC, up/down, promiscuous, all-multicast) are set
 * with the classic interface ioctls on one datagram socket. The TAPs and
 * that socket are made in the vEths' network namespace (kni/netns.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kni/netns.h"
#include "kni/tap.h"
#include "kni/vif.h"
#include "port/port.h"

void sw_tap_close(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int sw_tap_open(const char *ifname, unsigned int n, unsigned int offloads, int *fds,
		const char **step)
{
	int hdr_sz = sizeof(struct virtio_net_hdr);
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
						  IFF_MULTI_QUEUE };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		/* a TAP belongs to the namespace /dev/net/tun was opened in */
		fds[i] = sw_netns_open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fds[i] < 0) {
			*step = "open /dev/net/tun";
			goto fail;
		}
		if (ioctl(fds[i], TUNSETIFF, &ifr) != 0) {
			*step = "TUNSETIFF";
			goto fail;
		}
	}
	/* both are properties of the device: set once, through the first queue */
	if (ioctl(fds[0], TUNSETVNETHDRSZ, &hdr_sz) != 0) {
		*step = "TUNSETVNETHDRSZ";
		goto fail;
	}
	if (ioctl(fds[0], TUNSETOFFLOAD, offloads) != 0) {
		*step = "TUNSETOFFLOAD";
		goto fail;
	}
	return 0;
fail:
	ret = -errno;
	sw_tap_close(fds, n);
	return ret;
}

/* One AF_INET datagram socket, in the vEths' namespace, carries every
 * interface ioctl. */
static int ioctl_sock(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = sw_netns_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd;
}

static int if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = ioctl_sock();

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	return ioctl(fd, req, ifr) == 0 ? 0 : -errno;
}

unsigned int sw_tap_ifindex(const char *ifname)
{
	struct ifreq ifr = { 0 };

	return if_ioctl(ifname, SIOCGIFINDEX, &ifr) == 0 ? (unsigned int)ifr.ifr_ifindex : 0;
}

int sw_vif_set_mtu(const struct sw_port *p, uint32_t mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };

	return if_ioctl(p->vif_name, SIOCSIFMTU, &ifr);
}

int sw_vif_set_mac(const struct sw_port *p, const struct rte_ether_addr *mac)
{
	struct ifreq ifr = { 0 };

	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return if_ioctl(p->vif_name, SIOCSIFHWADDR, &ifr);
}

int sw_vif_set_flag(const struct sw_port *p, unsigned int flag, bool on)
{
	struct ifreq ifr = { 0 };
	int ret = if_ioctl(p->vif_name, SIOCGIFFLAGS, &ifr);

	if (ret != 0)
		return ret;
	if (!!(ifr.ifr_flags & flag) == on)
		return 0;
	ifr.ifr_flags = on ? (ifr.ifr_flags | flag) : (ifr.ifr_flags & ~flag);
	return if_ioctl(p->vif_name, SIOCSIFFLAGS, &ifr);
}

int sw_vif_set_up(const struct sw_port *p, bool up)
{
	return sw_vif_set_flag(p, IFF_UP, up);
}

int sw_vif_get_state(const struct sw_port *p, struct sw_vif_state *st)
{
	struct ifreq ifr = { 0 };
	int ret;

	if ((ret = if_ioctl(p->vif_name, SIOCGIFFLAGS, &ifr)) != 0)
		return ret;
	st->flags = (uint16_t)ifr.ifr_flags;
	if ((ret = if_ioctl(p->vif_name, SIOCGIFMTU, &ifr)) != 0)
		return ret;
	st->mtu = (uint32_t)ifr.ifr_mtu;
	if ((ret = if_ioctl(p->vif_name, SIOCGIFHWADDR, &ifr)) != 0)
		return ret;
	memcpy(st->mac, ifr.ifr_hwaddr.sa_data, sizeof(st->mac));
	return 0;
}
