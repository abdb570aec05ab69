/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>

#include "core/log.h"
#include "core/publish.h"
#include "ctl/decode.h"
#include "ctl/json_sock.h"

#define IN_MAX	      (64u * 1024u)
#define OUT_MAX	      (256u * 1024u)
#define LINE_RESP_MAX 1024u /* one response line at most */

static struct {
	int lfd, cfd;
	char path[108];
	char in[IN_MAX];
	uint32_t in_len;
	char out[OUT_MAX];
	uint32_t out_len, out_off;
} js = { .lfd = -1, .cfd = -1 };

int sw_json_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	const size_t n = strlen(path);

	RTE_BUILD_BUG_ON(sizeof(js.path) < sizeof(sa.sun_path));
	if (n >= sizeof(sa.sun_path)) {
		SW_LOG(ERR, "json socket %s: path longer than %zu bytes", path,
		       sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, n + 1);
	memcpy(js.path, path, n + 1);
	unlink(path);
	js.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (js.lfd < 0 || bind(js.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0600) != 0 || listen(js.lfd, 1) != 0) {
		SW_LOG(ERR, "json socket %s: %s", path, strerror(errno));
		sw_json_close();
		return -1;
	}
	SW_LOG(INFO, "json control socket (benchmark baseline) on %s", path);
	return 0;
}

int sw_json_client_fd(void)
{
	return js.cfd;
}

static void drop_client(void)
{
	close(js.cfd);
	js.cfd = -1;
	js.in_len = js.out_len = js.out_off = 0;
}

/* Value of "key": a number or a string without escapes; NULL if absent. */
static const char *json_get(const char *line, const char *key, char *buf, size_t len)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(line, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return NULL;
	while (*p == ' ')
		p++;
	if (*p == '"') {
		p++;
		n = strcspn(p, "\"\\");
		if (p[n] != '"')
			return NULL;
	} else {
		n = strspn(p, "-0123456789");
		if (n == 0)
			return NULL;
	}
	if (n >= len)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static int json_u16(const char *line, const char *key, uint16_t *out)
{
	char buf[16], *end;
	long v;

	if (json_get(line, key, buf, sizeof(buf)) == NULL)
		return -1;
	v = strtol(buf, &end, 10);
	if (*end != '\0' || v < 0 || v > 0xffff)
		return -1;
	*out = v;
	return 0;
}

static void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(js.out + js.out_len, OUT_MAX - js.out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		js.out_len += RTE_MIN((uint32_t)n, OUT_MAX - js.out_len - 1);
}

static void handle_line(const char *line)
{
	static uint8_t resp[SW_RESP_MAX];
	char op[16], seqs[16];
	_Alignas(8) uint8_t payload[16] = { 0 };
	bool deferred;
	uint32_t plen = 0, rlen = 0, st;
	uint16_t type, a = 0, b = 0;
	struct sw_err e;
	long long seq = json_get(line, "seq", seqs, sizeof(seqs)) ? atoll(seqs) : -1;

	if (json_get(line, "op", op, sizeof(op)) == NULL) {
		out_printf("{\"seq\":%lld,\"status\":\"MALFORMED\",\"error\":\"no op\"}\n", seq);
		return;
	}
	if (strcmp(op, "hello") == 0) {
		type = SW_OP_HELLO;
	} else if (strcmp(op, "xc_list") == 0) {
		type = SW_OP_XC_LIST;
	} else if (strcmp(op, "xc_add") == 0 && json_u16(line, "in", &a) == 0 &&
		   json_u16(line, "out", &b) == 0) {
		struct sw_xconnect x = { .in_port = a, .out_port = b };
		type = SW_OP_XC_ADD;
		memcpy(payload, &x, sizeof(x));
		plen = sizeof(x);
	} else if ((strcmp(op, "xc_del") == 0 && json_u16(line, "in", &a) == 0) ||
		   (strcmp(op, "port_get") == 0 && json_u16(line, "port", &a) == 0)) {
		struct sw_port_ref r = { .port = a };
		type = op[0] == 'x' ? SW_OP_XC_DEL : SW_OP_PORT_GET;
		memcpy(payload, &r, sizeof(r));
		plen = sizeof(r);
	} else {
		out_printf("{\"seq\":%lld,\"status\":\"MALFORMED\",\"error\":\"bad op or "
			   "arguments: %.*s\"}\n",
			   seq, (int)strcspn(op, "\"\\"), op);
		return;
	}
	/* none of these ops defers its answer */
	st = sw_api_dispatch(type, payload, plen, resp, &rlen, &e, &deferred);
	if (st != SW_ST_OK) {
		out_printf("{\"seq\":%lld,\"status\":\"%s\",\"error\":\"%.*s\"}\n", seq,
			   sw_status_name(st), (int)strcspn(e.msg, "\"\\"), e.msg);
		return;
	}
	out_printf("{\"seq\":%lld,\"status\":\"OK\"", seq);
	if (type == SW_OP_HELLO) {
		const struct sw_hello *h = (const void *)resp;
		out_printf(",\"pid\":%u", h->dp_pid);
	} else if (type == SW_OP_XC_LIST) {
		const struct sw_list_hdr *lh = (const void *)resp;
		const struct sw_xconnect *x = (const void *)(lh + 1);
		out_printf(",\"xconnects\":[");
		for (uint32_t i = 0; i < lh->count; i++)
			out_printf("%s[%u,%u]", i ? "," : "", x[i].in_port, x[i].out_port);
		out_printf("]");
	} else if (type == SW_OP_PORT_GET) {
		const struct sw_port_info *pi = (const void *)resp;
		out_printf(",\"port\":%u,\"mtu\":%u,\"started\":%u", pi->port, pi->mtu,
			   pi->started);
	}
	out_printf("}\n");
}

static void flush_out(void)
{
	while (js.out_off < js.out_len) {
		ssize_t n = send(js.cfd, js.out + js.out_off, js.out_len - js.out_off,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				drop_client();
			return;
		}
		js.out_off += n;
	}
	js.out_len = js.out_off = 0;
}

unsigned int sw_json_serve(void)
{
	unsigned int served = 0;

	if (js.lfd < 0)
		return 0;
	if (js.cfd < 0) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);

		js.cfd = accept4(js.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (js.cfd < 0)
			return 0;
		/* the socket file is 0600, and the peer must be root or us as well */
		if (getsockopt(js.cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
		    (cred.uid != 0 && cred.uid != geteuid())) {
			SW_LOG(WARNING, "json socket: refused a client of uid %u", cred.uid);
			drop_client();
			return 0;
		}
	}
	if (js.out_len > 0) { /* back-pressure: answer before reading more */
		flush_out();
		if (js.cfd < 0 || js.out_len > 0)
			return 0;
	}
	ssize_t n = recv(js.cfd, js.in + js.in_len, IN_MAX - js.in_len - 1, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		drop_client();
		return 0;
	}
	if (n < 0)
		return 0;
	js.in_len += n;
	js.in[js.in_len] = '\0';

	char *line = js.in, *nl;
	while ((nl = memchr(line, '\n', js.in + js.in_len - line)) != NULL &&
	       js.out_len + LINE_RESP_MAX < OUT_MAX) {
		*nl = '\0';
		handle_line(line);
		served++;
		line = nl + 1;
	}
	js.in_len -= line - js.in;
	memmove(js.in, line, js.in_len);
	if (js.in_len == IN_MAX - 1) { /* a line longer than the buffer */
		out_printf("{\"seq\":-1,\"status\":\"MALFORMED\",\"error\":\"line longer than %u "
			   "bytes\"}\n",
			   IN_MAX - 1);
		js.in_len = 0;
	}
	/* one publish for the batch, before any response leaves */
	while (sw_publish_commit() == SW_PREPARE_BUSY)
		sw_publish_poll();
	flush_out();
	return served + (n > 0);
}

void sw_json_close(void)
{
	if (js.cfd >= 0)
		drop_client();
	if (js.lfd >= 0) {
		close(js.lfd);
		js.lfd = -1;
		unlink(js.path);
	}
}
