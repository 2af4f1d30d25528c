#include "dns_upstream.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/uio.h>

#include "deadline.h"
#include "dial.h"
#include "dnsmsg.h"
#include "fdtable.h"
#include "log.h"
#include "proxy.h"
#include "real.h"
#include "route.h"
#include "tcp_connect.h"
#include "udp.h"

/* Resolvers retry after about 5 s: an answer later than that is wasted. */
#define DNS_DEADLINE_MS 4000
/* What the UDP path tells the caller when the proxy has no UDP. */
#define NO_UDP (-2)

/* Learnt once per process: this proxy refuses UDP ASSOCIATE. */
static atomic_bool udp_refused;

static void close_own(int fd)
{
	fdtable_clear(fd);
	real()->close(fd);
}

static bool wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do
		n = real()->poll(&pfd, 1, deadline_left(deadline));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0;
}

bool dns_io_all(int fd, uint8_t *buf, size_t len, bool out, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = out ? real()->send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL)
				: real()->recv(fd, buf, len, MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return false;
		}
		if ((errno != EAGAIN && errno != EINTR) || !wait_for(fd, out ? POLLOUT : POLLIN, deadline))
			return false;
	}
	return true;
}

int dns_tcp_exchange(int fd, const uint8_t *query, size_t len, uint8_t *reply, size_t cap,
		     int64_t deadline)
{
	uint8_t prefix[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	size_t rlen;

	if (len > DNS_MSG_MAX || !dns_io_all(fd, prefix, 2, true, deadline) ||
	    !dns_io_all(fd, (uint8_t *)query, len, true, deadline) || !dns_io_all(fd, prefix, 2, false, deadline))
		return -1;
	rlen = (size_t)prefix[0] << 8 | prefix[1];
	if (rlen > cap) {
		errno = EMSGSIZE;
		return -1;
	}
	return dns_io_all(fd, reply, rlen, false, deadline) ? (int)rlen : -1;
}

/* A non-blocking connect's outcome, before the deadline. */
static bool connected(int fd, int rc, int64_t deadline)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	if (rc == 0)
		return true;
	if (errno != EINPROGRESS || !wait_for(fd, POLLOUT, deadline))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
		errno = err;
		return false;
	}
	return true;
}

/* connect_fn: tcp_connect_to (through the proxy) or the real connect. */
static int over_tcp(const struct sockaddr_storage *to, int (*connect_fn)(int, const struct sockaddr *, socklen_t),
		    const uint8_t *query, size_t len, uint8_t *reply, size_t cap, int64_t deadline)
{
	int fd = internal_socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK);
	int n = -1;

	if (fd < 0)
		return -1;
	if (connected(fd, connect_fn(fd, (const struct sockaddr *)to, addr_len(to)), deadline))
		n = dns_tcp_exchange(fd, query, len, reply, cap, deadline);
	close_own(fd);
	return n;
}

int dns_direct_exchange(const struct sockaddr_storage *ns, const uint8_t *query, size_t len,
			uint8_t *reply, size_t cap)
{
	return over_tcp(ns, real()->connect, query, len, reply, cap, deadline_in(DNS_DEADLINE_MS));
}

/* The upstream's reply to this query, through the association. */
static int await_reply(int fd, const uint8_t *query, uint8_t *reply, size_t cap, int64_t deadline)
{
	while (wait_for(fd, POLLIN, deadline)) {
		struct iovec iov = { .iov_base = reply, .iov_len = cap };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = udp_recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n >= 2 && memcmp(reply, query, 2) == 0)
			return (msg.msg_flags & MSG_TRUNC) ? (int)cap : (int)n;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	return -1;
}

static int over_udp(const struct proxy *p, const struct sockaddr_storage *to, const uint8_t *query,
		    size_t len, uint8_t *reply, size_t cap, int64_t deadline)
{
	struct iovec iov = { .iov_base = (void *)query, .iov_len = len };
	struct msghdr msg = { .msg_name = (void *)to, .msg_namelen = addr_len(to), .msg_iov = &iov, .msg_iovlen = 1 };
	struct failure_ctx ctx = { 0 };
	char display[ADDR_STRLEN];
	int fd = internal_socket(to->ss_family, SOCK_DGRAM | SOCK_NONBLOCK);
	int n = -1;

	if (fd < 0)
		return -1;
	addr_format(to, display);
	ctx.dest = display;
	enum failure f = route_is_direct(p, to) ? FAIL_NONE : udp_associate(fd, &ctx);
	if (f == FAIL_REP_CMD_UNSUPPORTED) {
		atomic_store(&udp_refused, true);
		log_msg(LOG_INFO, "%s refuses UDP: DNS to %s goes over TCP", p->display, display);
		n = NO_UDP;
	} else if (f != FAIL_NONE) {
		errno = failure_report(f, &ctx);
	} else if (udp_sendmsg_to(fd, &msg) >= 0) {
		n = await_reply(fd, query, reply, cap, deadline);
	}
	close_own(fd);
	return n;
}

int dns_upstream_exchange(const uint8_t *query, size_t len, uint8_t *reply, size_t cap)
{
	const struct proxy *p = proxy_get();
	const struct sockaddr_storage *to = &p->cfg.dns_upstream;
	int64_t deadline = deadline_in(p->cfg.timeout_ms < DNS_DEADLINE_MS ? p->cfg.timeout_ms : DNS_DEADLINE_MS);
	char display[ADDR_STRLEN];
	int n = NO_UDP;

	if (!atomic_load(&udp_refused))
		n = over_udp(p, to, query, len, reply, cap, deadline);
	if (n == NO_UDP)
		n = over_tcp(to, tcp_connect_to, query, len, reply, cap, deadline);
	if (n < 0 && errno == ETIMEDOUT) {
		addr_format(to, display);
		log_msg(LOG_ERROR, "DNS upstream %s did not answer through %s in time", display, p->display);
	}
	return n;
}
