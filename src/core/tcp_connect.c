#include "tcp_connect.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"
#include "dial.h"
#include "dns_intercept.h"
#include "fakedns.h"
#include "fdtable.h"
#include "log.h"
#include "real.h"
#include "route.h"

/*
 * Runs with O_NONBLOCK set so that every step is bounded by the deadline,
 * and restores the flags exactly; cancellation is off so a cancelled
 * thread cannot leave the flags changed. *nonblocking: whether the
 * application's socket was, which decides what its connect returns.
 */
static enum failure proxied_connect(int fd, const struct proxy *p, const struct target *target,
				    struct failure_ctx *ctx, struct socks5_result *res, bool *nonblocking)
{
	int64_t deadline = deadline_in(p->cfg.timeout_ms);
	int flags = real()->fcntl(fd, F_GETFL);
	int cancel_state;
	enum failure f;

	*nonblocking = flags >= 0 && (flags & O_NONBLOCK);
	if (flags < 0) {
		ctx->sys_errno = errno;
		return FAIL_PROXY_CONNECT;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	if (!(flags & O_NONBLOCK))
		real()->fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	f = dial_proxy(fd, p, deadline, ctx);
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

/* ctx->dest is t's display, filled only now that there is a line to write. */
static int fail(enum failure f, const struct failure_ctx *ctx, struct target *t)
{
	target_display(t);
	errno = failure_report(f, ctx);
	return -1;
}

int tcp_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage dst;

	if (addr_normalize(addr, len, &dst) && dns_intercepts(proxy_config(), &dst))
		return dns_tcp_connect(fd, &dst);
	return tcp_connect_to(fd, addr, len);
}

int tcp_connect_to(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage dst;
	struct failure_ctx ctx;
	struct socks5_result res;
	struct target target;
	const struct proxy *p;
	int64_t started;
	enum failure f;
	bool nonblocking;

	if (!addr_normalize(addr, len, &dst))
		return real()->connect(fd, addr, len);
	p = proxy_get();
	if (route_is_direct(p, &dst))
		return real()->connect(fd, addr, len);
	if (fdtable_kind(fd) == FD_TCP_PROXIED) {
		errno = EISCONN;
		return -1;
	}
	bool known = target_of(&dst, &target);
	proxy_failure_ctx(p, target.display, &ctx);
	if (!known)
		return fail(FAIL_UNKNOWN_PLACEHOLDER, &ctx, &target);
	if (p->unusable != FAIL_NONE)
		return fail(p->unusable, &ctx, &target);

	started = deadline_now_ms();
	f = proxied_connect(fd, p, &target, &ctx, &res, &nonblocking);
	if (f != FAIL_NONE)
		return fail(f, &ctx, &target);

	struct fd_info info = {
		.kind = FD_TCP_PROXIED, .peer = dst, .fake_slot = target.fake_slot, .ctl_fd = -1
	};
	fdtable_set(fd, &info);
	if (log_enabled(LOG_INFO))
		log_msg(LOG_INFO, "connected to %s through %s (%lld ms)", target_display(&target),
			p->display, (long long)(deadline_now_ms() - started));
	if (nonblocking) {
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
	if (info.peer.ss_family == 0) { /* a UDP socket the application did not connect */
		errno = ENOTCONN;
		return -1;
	}
	full = addr_in_family(&info.peer, socket_family(fd), &out);
	if (addr == NULL || len == NULL || full == 0) {
		errno = addr == NULL || len == NULL ? EFAULT : EAFNOSUPPORT;
		return -1;
	}
	memcpy(addr, &out, *len < full ? *len : full);
	*len = full;
	return 0;
}
