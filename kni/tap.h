/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel side of a vEth: a multi-queue TAP device opened through
 * /dev/net/tun with a virtio-net header on every frame, and the ioctls that
 * set its link properties, in the vEths' network namespace. Main lcore only.
 */
#ifndef SW_KNI_TAP_H
#define SW_KNI_TAP_H

#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <stddef.h>

/*
 * Creates (or attaches to) TAP ifname with n queues: fds[0..n-1], each
 * non-blocking, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE, with a
 * struct virtio_net_hdr before every frame and the TUN_F_* offloads given.
 * Returns 0, or a negative errno with *step naming the call that failed; on
 * failure no fd stays open. The interface disappears when the last fd is
 * closed.
 */
int sw_tap_open(const char *ifname, unsigned int n, unsigned int offloads, int *fds,
		const char **step);
void sw_tap_close(int *fds, unsigned int n);
/* The ifindex of ifname in the vEths' namespace, 0 when there is none. */
unsigned int sw_tap_ifindex(const char *ifname);

/* The TAP's data calls, made directly: glibc's read/write wrappers are
 * thread cancellation points, and entering and leaving that mode on every
 * frame costs the main lcore more than the call's own user-space part
 * (slipwayd never cancels threads). */
static inline ssize_t sw_tap_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

static inline ssize_t sw_tap_writev(int fd, const struct iovec *iov, int n)
{
	return syscall(SYS_writev, fd, iov, n);
}

static inline ssize_t sw_tap_readv(int fd, const struct iovec *iov, int n)
{
	return syscall(SYS_readv, fd, iov, n);
}

#endif
