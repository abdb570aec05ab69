/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>

#include "core/util.h"

const char *sw_fmt_ip(uint8_t family, const uint8_t *ip, char *buf, size_t len)
{
	return inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, buf, len) ? buf : "?";
}

void sw_mask_prefix(uint8_t *ip, unsigned int len, unsigned int bits)
{
	for (unsigned int b = len; b < bits; b++)
		ip[b / 8] &= ~(0x80 >> (b % 8));
}

int sw_host_bits_set(const uint8_t *ip, unsigned int len, unsigned int bits)
{
	for (unsigned int b = len; b < bits; b++)
		if (ip[b / 8] & (0x80 >> (b % 8)))
			return 1;
	return 0;
}

struct rte_hash *sw_hash_create(const char *name, uint32_t entries, uint32_t key_len)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	return rte_hash_create(&p);
}

/* Every entry of a directory (not below it); how many went. */
static unsigned int unlink_all(int dfd)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	unsigned int n = 0;

	if (d == NULL) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	closedir(d);
	return n;
}

/* hugetlbfs files named <prefix>map_<digits> in every hugetlbfs mount. */
static unsigned int unlink_hugepages(const char *prefix)
{
	FILE *mounts = setmntent("/proc/mounts", "r");
	size_t plen = strlen(prefix);
	struct mntent *me;
	unsigned int n = 0;

	if (mounts == NULL)
		return 0;
	while ((me = getmntent(mounts)) != NULL) {
		DIR *d;
		struct dirent *de;

		if (strcmp(me->mnt_type, "hugetlbfs") != 0 || (d = opendir(me->mnt_dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			const char *rest = de->d_name + plen;

			if (strncmp(de->d_name, prefix, plen) != 0 ||
			    strncmp(rest, "map_", 4) != 0 || rest[4] == '\0' ||
			    strspn(rest + 4, "0123456789") != strlen(rest + 4))
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				n++;
		}
		closedir(d);
	}
	endmntent(mounts);
	return n;
}

int sw_eal_files_remove(const char *runtime_dir, unsigned int *files, unsigned int *pages)
{
	const char *prefix = strrchr(runtime_dir, '/');
	int dfd;

	*files = *pages = 0;
	prefix = prefix != NULL ? prefix + 1 : runtime_dir;
	if (*prefix != '\0')
		*pages = unlink_hugepages(prefix);
	dfd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	*files = unlink_all(dfd);
	return rmdir(runtime_dir);
}
