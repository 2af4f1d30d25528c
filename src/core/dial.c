#include "dial.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"
#include "real.h"

static int sol_socket_int(int fd, int name)
{
	int value = 0;
	socklen_t len = sizeof(value);

	return getsockopt(fd, SOL_SOCKET, name, &value, &len) == 0 ? value : -1;
}

int socket_family(int fd)
{
	return sol_socket_int(fd, SO_DOMAIN);
}

int socket_type(int fd)
{
	return sol_socket_int(fd, SO_TYPE);
}

int socket_protocol(int fd)
{
	return sol_socket_int(fd, SO_PROTOCOL);
}

int internal_socket(int family, int type)
{
	int fd = real()->socket(family, type | SOCK_CLOEXEC, 0);
	int high;

	if (fd < 0)
		return -1;
	high = real()->fcntl(fd, F_DUPFD_CLOEXEC, INTERNAL_FD_MIN);
	if (high < 0)
		return fd;
	real()->close(fd);
	return high;
}

bool socket_v6only(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len) == 0 && on;
}

static void to_socks5_addr(const struct sockaddr_storage *ss, struct socks5_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		out->atyp = SOCKS5_ATYP_IPV4;
		memcpy(out->u.ipv4, &in->sin_addr, 4);
		out->port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		out->atyp = SOCKS5_ATYP_IPV6;
		memcpy(out->u.ipv6, &in6->sin6_addr, 16);
		out->port = ntohs(in6->sin6_port);
	}
}

bool target_of(const struct sockaddr_storage *dst, struct target *t)
{
	uint32_t slot;

	t->fake_slot = -1;
	t->display[0] = '\0';
	if (!fakedns_in_range(dst, &slot)) {
		to_socks5_addr(dst, &t->addr);
		return true;
	}
	memset(&t->addr, 0, sizeof(t->addr));
	if (!fakedns_name(slot, t->addr.u.name)) {
		addr_format(dst, t->display);
		return false;
	}
	t->fake_slot = (int32_t)slot;
	t->addr.atyp = SOCKS5_ATYP_DOMAIN;
	t->addr.name_len = (uint8_t)strlen(t->addr.u.name);
	t->addr.port = addr_port(dst);
	return true;
}

const char *target_display(struct target *t)
{
	if (t->display[0] == '\0')
		socks5_addr_format(&t->addr, t->display);
	return t->display;
}

static bool socket_is_unbound(int fd)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	return ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_port == 0;
}

/*
 * The proxy's address as this socket can reach it: an AF_INET6 socket
 * reaches an IPv4 proxy through the v4-mapped address once IPV6_V6ONLY is
 * off, which can only be changed while the socket is unbound.
 */
static enum failure proxy_addr_for(int fd, const struct proxy *p, struct sockaddr_storage *out,
				   socklen_t *len, const char **why)
{
	int family = socket_family(fd);
	const struct sockaddr_storage *proxy = proxy_addr_for_family(p, family);
	int v6only = 0, off = 0;
	socklen_t optlen = sizeof(v6only);

	*len = addr_in_family(proxy, family, out);
	if (*len == 0) {
		*why = "an IPv4 socket cannot reach an IPv6 proxy";
		return FAIL_FAMILY;
	}
	if (family != AF_INET6 || proxy->ss_family != AF_INET)
		return FAIL_NONE;
	if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &optlen) == 0 && !v6only)
		return FAIL_NONE;
	if (socket_is_unbound(fd) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0)
		return FAIL_NONE;
	*why = "an IPv6-only socket cannot reach an IPv4 proxy";
	return FAIL_FAMILY;
}

enum failure dial_proxy(int fd, const struct proxy *p, int64_t deadline, struct failure_ctx *ctx)
{
	struct sockaddr_storage to;
	socklen_t len;
	enum failure f = proxy_addr_for(fd, p, &to, &len, &ctx->detail);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t errlen = sizeof(err);

	if (f != FAIL_NONE)
		return f;
	if (real()->connect(fd, (struct sockaddr *)&to, len) == 0)
		return FAIL_NONE;
	if (errno != EINPROGRESS && errno != EINTR) {
		ctx->sys_errno = errno;
		return FAIL_PROXY_CONNECT;
	}
	for (;;) {
		int left = deadline_left(deadline);
		if (left == 0)
			return FAIL_PROXY_SILENT;
		int n = real()->poll(&pfd, 1, left);
		if (n > 0 && !(pfd.revents & (POLLERR | POLLHUP)))
			return FAIL_NONE; /* writable and no error: connected */
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR) {
			ctx->sys_errno = errno;
			return FAIL_PROXY_CONNECT;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		err = errno;
	if (err == 0)
		return FAIL_NONE;
	ctx->sys_errno = err;
	return FAIL_PROXY_CONNECT;
}

