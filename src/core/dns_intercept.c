#include "dns_intercept.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "deadline.h"
#include "dial.h"
#include "dns_answer.h"
#include "dns_upstream.h"
#include "dnsmsg.h"
#include "fdtable.h"
#include "file.h"
#include "log.h"
#include "nameserver.h"
#include "real.h"
#include "udp.h"

/* Larger UDP queries are not DNS any resolver sends; answers are capped alike. */
#define UDP_QUERY_MAX 4096
#define UDP_REPLY_MAX 4096
/* A loopback connection is accepted, and a loopback write arrives, at once. */
#define LOOPBACK_WAIT_MS 1000

/* A socket of the library's own, and what it was when made. */
struct own_socket {
	int fd;
	dev_t dev;
	ino_t ino;
	pid_t pid; /* the listener: the process that accepts on it */
	struct sockaddr_storage addr;
};


static struct {
	pthread_mutex_t lock;
	struct own_socket responder[2]; /* IPv4, IPv6 */
	struct own_socket listener;
} own = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.responder = { { .fd = -1 }, { .fd = -1 } },
	.listener = { .fd = -1 },
};

bool dns_intercepts(const struct proxy *p, const struct sockaddr_storage *dst)
{
	return p->cfg.dns_intercept && nameserver_is(dst);
}

static bool still_ours(const struct own_socket *s)
{
	return fd_is(s->fd, s->dev, s->ino);
}

/* The loopback address of family, port in host order. */
static void loopback(int family, uint16_t port, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	out->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)out)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)out)->sin_port = htons(port);
		return;
	}
	/* not in6addr_loopback: one symbol less for ld.so to bind at start */
	((struct sockaddr_in6 *)out)->sin6_addr = (struct in6_addr)IN6ADDR_LOOPBACK_INIT;
	((struct sockaddr_in6 *)out)->sin6_port = htons(port);
}

/* Under own.lock: a socket bound to the loopback address of family, port 0. */
static bool make_own(struct own_socket *s, int family, int type)
{
	socklen_t len = sizeof(s->addr);
	int fd = internal_socket(family, type | SOCK_NONBLOCK);

	if (fd < 0)
		return false;
	loopback(family, 0, &s->addr);
	if (real()->bind(fd, (struct sockaddr *)&s->addr, addr_len(&s->addr)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0) ||
	    getsockname(fd, (struct sockaddr *)&s->addr, &len) < 0 || !fd_identity(fd, &s->dev, &s->ino)) {
		real()->close(fd);
		return false;
	}
	s->fd = fd;
	s->pid = getpid();
	return true;
}

/* Under own.lock. A listener another process inherited is left to it. */
static int listener(void)
{
	struct own_socket *s = &own.listener;

	if (still_ours(s) && s->pid == getpid())
		return s->fd;
	if (still_ours(s))
		real()->close(s->fd);
	s->fd = -1;
	return make_own(s, AF_INET, SOCK_STREAM) ? s->fd : -1;
}

/* Under own.lock. */
static int responder(int family)
{
	struct own_socket *s = &own.responder[family == AF_INET6];

	if (still_ours(s))
		return s->fd;
	s->fd = -1;
	return make_own(s, family, SOCK_DGRAM) ? s->fd : -1;
}

bool dns_from_responder(const struct sockaddr_storage *src)
{
	bool ours = false;

	pthread_mutex_lock(&own.lock);
	for (size_t i = 0; i < 2 && !ours; i++)
		ours = own.responder[i].fd >= 0 && addr_equal(&own.responder[i].addr, src);
	pthread_mutex_unlock(&own.lock);
	return ours;
}

static bool is_unspecified(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* The normalised local (or peer) address of fd. */
static bool normalized_name(int fd, bool peer, struct sockaddr_storage *out)
{
	struct sockaddr_storage raw;
	socklen_t len = sizeof(raw);
	int rc = peer ? real()->getpeername(fd, (struct sockaddr *)&raw, &len)
		      : getsockname(fd, (struct sockaddr *)&raw, &len);

	return rc == 0 && addr_normalize((struct sockaddr *)&raw, len, out);
}

/*
 * Where an answer reaches fd: its own address, with a wildcard replaced by
 * loopback (IPv4 whenever the socket takes IPv4, as a dual-stack one does).
 */
static bool answer_address(int fd, struct sockaddr_storage *out)
{
	if (!normalized_name(fd, false, out))
		return false;
	if (!is_unspecified(out))
		return true;
	loopback(out->ss_family == AF_INET6 && socket_v6only(fd) ? AF_INET6 : AF_INET, addr_port(out), out);
	return true;
}

/* The answer as a real datagram on fd, so poll and epoll see it. */
static void deliver(int fd, const uint8_t *reply, size_t len)
{
	struct sockaddr_storage to;
	int from;

	if (!answer_address(fd, &to))
		return;
	pthread_mutex_lock(&own.lock);
	from = responder(to.ss_family);
	if (from >= 0)
		real()->sendto(from, reply, len, MSG_DONTWAIT, (struct sockaddr *)&to, addr_len(&to));
	pthread_mutex_unlock(&own.lock);
	if (from < 0)
		log_msg(LOG_ERROR, "cannot answer a DNS query: no loopback socket (%s)", strerror(errno));
}

/* The datagram's bytes, or 0 when it is larger than any query. */
static size_t gather(const struct msghdr *msg, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		const struct iovec *v = &msg->msg_iov[i];
		if (v->iov_len > cap - n)
			return 0;
		memcpy(out + n, v->iov_base, v->iov_len);
		n += v->iov_len;
	}
	return n;
}

static size_t total_len(const struct msghdr *msg)
{
	size_t n = 0;

	for (size_t i = 0; i < msg->msg_iovlen; i++)
		n += msg->msg_iov[i].iov_len;
	return n;
}

/* Names that are direct: the datagram goes to the nameserver itself. */
static ssize_t pass(int fd, const struct sockaddr_storage *ns, const struct msghdr *msg, int flags)
{
	struct sockaddr_storage to;
	struct msghdr out = *msg;
	socklen_t len = addr_in_family(ns, socket_family(fd), &to);

	if (len == 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	out.msg_name = &to;
	out.msg_namelen = len;
	return real()->sendmsg(fd, &out, flags);
}

ssize_t dns_udp_send(int fd, const struct sockaddr_storage *ns, const struct msghdr *msg, int flags)
{
	uint8_t query[UDP_QUERY_MAX], reply[UDP_REPLY_MAX];
	size_t qlen = gather(msg, query, sizeof(query)), rlen, limit = sizeof(reply);
	struct dns_query parsed;

	if (qlen > 0 && dns_parse_query(query, qlen, &parsed) == 0 && parsed.udp_size < limit)
		limit = parsed.udp_size;
	switch (dns_answer(query, qlen, reply, sizeof(reply), limit, &rlen)) {
	case DNS_PASS:
		return pass(fd, ns, msg, flags);
	case DNS_DROP:
		break;
	case DNS_ANSWERED:
		if (!udp_note_nameserver(fd, ns))
			return -1;
		deliver(fd, reply, rlen);
		break;
	}
	return (ssize_t)total_len(msg);
}

/* Under own.lock: the listener's end of fd's fresh connection. */
static int accept_peer(int lfd, int fd)
{
	struct sockaddr_storage mine, peer;
	int64_t deadline = deadline_in(LOOPBACK_WAIT_MS);

	if (!normalized_name(fd, false, &mine))
		return -1;
	for (;;) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int s = real()->accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (s >= 0 && normalized_name(s, true, &peer) && addr_equal(&peer, &mine))
			return s;
		if (s >= 0) {
			real()->close(s); /* a connection whose socket gave up */
			continue;
		}
		if ((errno != EAGAIN && errno != EINTR) || real()->poll(&pfd, 1, deadline_left(deadline)) == 0)
			return -1;
	}
}

/* The served end, moved out of the program's way. */
static bool note_served(int fd, int served, const struct sockaddr_storage *ns)
{
	struct fd_info info = { .kind = FD_DNS_TCP, .peer = *ns, .fake_slot = -1 };
	int high = real()->fcntl(served, F_DUPFD_CLOEXEC, INTERNAL_FD_MIN);

	if (high >= 0) {
		real()->close(served);
		served = high;
	}
	if (!fd_identity(served, &info.ctl_dev, &info.ctl_ino)) {
		real()->close(served);
		return false;
	}
	info.ctl_fd = served;
	if (!fdtable_set(fd, &info)) {
		real()->close(served);
		return false;
	}
	return true;
}

int dns_tcp_connect(int fd, const struct sockaddr_storage *ns)
{
	struct sockaddr_storage to;
	int off = 0, rc, err, lfd, served = -1;
	socklen_t len;

	if (fdtable_kind(fd) == FD_DNS_TCP) {
		errno = EISCONN;
		return -1;
	}
	pthread_mutex_lock(&own.lock);
	lfd = listener();
	len = lfd < 0 ? 0 : addr_in_family(&own.listener.addr, socket_family(fd), &to);
	if (len > 0 && to.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	rc = len > 0 ? real()->connect(fd, (struct sockaddr *)&to, len) : -1;
	err = len > 0 ? errno : ENETUNREACH;
	if (rc == 0 || err == EINPROGRESS)
		served = accept_peer(lfd, fd);
	pthread_mutex_unlock(&own.lock);
	if (rc < 0 && err != EINPROGRESS) {
		errno = err == EINVAL ? ENETUNREACH : err;
		return -1;
	}
	if (served < 0 || !note_served(fd, served, ns)) {
		log_msg(LOG_ERROR, "cannot answer DNS over TCP: the library's loopback listener failed");
		shutdown(fd, SHUT_RDWR);
		errno = ECONNREFUSED;
		return -1;
	}
	errno = err;
	return rc;
}

static int readable_bytes(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) < 0 ? -1 : n;
}

/* Waits until the program's write has reached the served end. */
static void await_bytes(int served, int want)
{
	int64_t deadline = deadline_in(LOOPBACK_WAIT_MS);
	struct pollfd pfd = { .fd = served, .events = POLLIN };

	while (readable_bytes(served) >= 0 && readable_bytes(served) < want && deadline_left(deadline) > 0)
		real()->poll(&pfd, 1, 1);
}

/* A SERVFAIL for a query that reached no one (direct names over TCP). */
static int servfail(const uint8_t *query, size_t len, uint8_t *reply, size_t cap)
{
	struct dns_query parsed;

	if (dns_parse_query(query, len, &parsed) < 0)
		return -1;
	return dns_build_reply(reply, cap, query, &parsed, DNS_RCODE_SERVFAIL, NULL, 0, cap);
}

/* One query from the served end, answered; false when the connection is done. */
static bool serve_one(const struct fd_info *info, uint8_t *msg, uint8_t *reply)
{
	size_t len = (size_t)msg[0] << 8 | msg[1], rlen = 0;
	int n;

	switch (dns_answer(msg + 2, len, reply + 2, DNS_MSG_MAX, DNS_MSG_MAX, &rlen)) {
	case DNS_DROP:
		shutdown(info->ctl_fd, SHUT_RDWR);
		return false;
	case DNS_PASS:
		n = dns_direct_exchange(&info->peer, msg + 2, len, reply + 2, DNS_MSG_MAX);
		if (n < 0)
			n = servfail(msg + 2, len, reply + 2, DNS_MSG_MAX);
		if (n < 0)
			return false;
		rlen = (size_t)n;
		break;
	case DNS_ANSWERED:
		break;
	}
	reply[0] = (uint8_t)(rlen >> 8);
	reply[1] = (uint8_t)rlen;
	return dns_io_all(info->ctl_fd, reply, rlen + 2, true, deadline_in(LOOPBACK_WAIT_MS));
}

/* Answers every complete length-prefixed query waiting at the served end. */
static void serve(const struct fd_info *info)
{
	uint8_t *msg = malloc(2 + DNS_MSG_MAX), *reply = malloc(2 + DNS_MSG_MAX);

	while (msg != NULL && reply != NULL) {
		ssize_t n = real()->recv(info->ctl_fd, msg, 2, MSG_PEEK | MSG_DONTWAIT);
		size_t want = n == 2 ? 2 + ((size_t)msg[0] << 8 | msg[1]) : 0;

		if (want == 0 || real()->recv(info->ctl_fd, msg, want, MSG_PEEK | MSG_DONTWAIT) != (ssize_t)want)
			break;
		real()->recv(info->ctl_fd, msg, want, MSG_DONTWAIT);
		if (!serve_one(info, msg, reply))
			break;
	}
	free(msg);
	free(reply);
}

ssize_t dns_tcp_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct fd_info info;
	int before;
	ssize_t n;

	if (!fdtable_get(fd, &info) || info.kind != FD_DNS_TCP)
		return real()->sendmsg(fd, msg, flags);
	before = fd_is(info.ctl_fd, info.ctl_dev, info.ctl_ino) ? readable_bytes(info.ctl_fd) : -1;
	n = real()->sendmsg(fd, msg, flags);
	if (n <= 0 || before < 0)
		return n;
	await_bytes(info.ctl_fd, before + (int)n);
	serve(&info);
	return n;
}

size_t dns_intercept_own_fds(int *out, size_t max)
{
	const struct own_socket *all[] = { &own.responder[0], &own.responder[1], &own.listener };
	size_t n = 0;

	pthread_mutex_lock(&own.lock);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && n < max; i++)
		if (all[i]->fd >= 0)
			out[n++] = all[i]->fd;
	pthread_mutex_unlock(&own.lock);
	return n;
}

void dns_intercept_fork_lock(void)
{
	pthread_mutex_lock(&own.lock);
}

void dns_intercept_fork_unlock(void)
{
	pthread_mutex_unlock(&own.lock);
}
