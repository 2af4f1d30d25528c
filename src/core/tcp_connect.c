#include "tcp_connect.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"
#include "fakedns.h"
#include "fdtable.h"
#include "log.h"
#include "real.h"
#include "route.h"

static int socket_family(int fd)
{
	int family = 0;
	socklen_t len = sizeof(family);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0)
		return -1;
	return family;
}

/* Where to ask the proxy to connect: a placeholder's name, else the address. */
struct target {
	struct socks5_addr addr;
	int32_t fake_slot;
	char display[FAKEDNS_NAME_MAX + 8];
};

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

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* false: dst is a placeholder the table does not know. */
static bool make_target(const struct sockaddr_storage *dst, struct target *t)
{
	uint32_t slot;

	t->fake_slot = -1;
	if (!fakedns_in_range(dst, &slot)) {
		to_socks5_addr(dst, &t->addr);
		addr_format(dst, t->display);
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
	t->addr.port = port_of(dst);
	snprintf(t->display, sizeof(t->display), "%s:%u", t->addr.u.name, t->addr.port);
	return true;
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

static enum failure reach_proxy(int fd, const struct proxy *p, int64_t deadline,
				struct failure_ctx *ctx)
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

/*
 * Runs with O_NONBLOCK set so that every step is bounded by the deadline,
 * and restores the flags exactly; cancellation is off so a cancelled
 * thread cannot leave the flags changed.
 */
static enum failure proxied_connect(int fd, const struct proxy *p, const struct target *target,
				    struct failure_ctx *ctx, struct socks5_result *res)
{
	int64_t deadline = deadline_in(p->cfg.timeout_ms);
	int flags = real()->fcntl(fd, F_GETFL);
	int cancel_state;
	enum failure f;

	if (flags < 0) {
		ctx->sys_errno = errno;
		return FAIL_PROXY_CONNECT;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	if (!(flags & O_NONBLOCK))
		real()->fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	f = reach_proxy(fd, p, deadline, ctx);
	if (f == FAIL_NONE) {
		f = socks5_handshake(fd, &p->cred, SOCKS5_CMD_CONNECT, &target->addr, deadline, res);
		ctx->code = f == FAIL_METHOD_NOT_OFFERED ? res->method : res->rep;
		ctx->sys_errno = res->sys_errno;
		ctx->detail = res->detail;
	}
	if (!(flags & O_NONBLOCK))
		real()->fcntl(fd, F_SETFL, flags);
	pthread_setcancelstate(cancel_state, NULL);
	return f;
}

static int fail(enum failure f, const struct failure_ctx *ctx)
{
	errno = failure_report(f, ctx);
	return -1;
}

int tcp_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage dst;
	struct failure_ctx ctx;
	struct socks5_result res;
	struct target target;
	const struct proxy *p;
	int64_t started;
	enum failure f;

	if (!addr_normalize(addr, len, &dst))
		return real()->connect(fd, addr, len);
	p = proxy_get();
	if (route_is_direct(p, &dst))
		return real()->connect(fd, addr, len);
	if (fdtable_kind(fd) == FD_TCP_PROXIED) {
		errno = EISCONN;
		return -1;
	}
	bool known = make_target(&dst, &target);
	proxy_failure_ctx(p, target.display, &ctx);
	if (!known)
		return fail(FAIL_UNKNOWN_PLACEHOLDER, &ctx);
	if (p->unusable != FAIL_NONE)
		return fail(p->unusable, &ctx);

	started = deadline_now_ms();
	f = proxied_connect(fd, p, &target, &ctx, &res);
	if (f != FAIL_NONE)
		return fail(f, &ctx);

	struct fd_info info = { .kind = FD_TCP_PROXIED, .peer = dst, .fake_slot = target.fake_slot };
	fdtable_set(fd, &info);
	log_msg(LOG_INFO, "connected to %s through %s (%lld ms)", target.display, p->display,
		(long long)(deadline_now_ms() - started));
	if (real()->fcntl(fd, F_GETFL) & O_NONBLOCK) {
		errno = EINPROGRESS;
		return -1;
	}
	return 0;
}

int tcp_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct fd_info info;
	struct sockaddr_storage out;
	socklen_t full;

	if (!fdtable_get(fd, &info))
		return real()->getpeername(fd, addr, len);
	full = addr_in_family(&info.peer, socket_family(fd), &out);
	if (addr == NULL || len == NULL || full == 0) {
		errno = addr == NULL || len == NULL ? EFAULT : EAFNOSUPPORT;
		return -1;
	}
	memcpy(addr, &out, *len < full ? *len : full);
	*len = full;
	return 0;
}
