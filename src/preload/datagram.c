/*
 * Hooks of the datagram family (and the sends, reads and writes a UDP
 * socket may see): a call on an fd the library does not relay costs one
 * table lookup, then the real function. TCP Fast Open sends, which connect
 * by themselves, are turned into the proxied connect plus a plain send.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dial.h"
#include "dns_intercept.h"
#include "fdtable.h"
#include "hook.h"
#include "real.h"
#include "tcp_connect.h"
#include "udp.h"

/* MSG_FASTOPEN on an unconnected stream socket would connect directly. */
static bool fastopen(int fd, int flags, const struct sockaddr *addr)
{
	return (flags & MSG_FASTOPEN) && addr != NULL &&
	       (addr->sa_family == AF_INET || addr->sa_family == AF_INET6) &&
	       socket_type(fd) == SOCK_STREAM;
}

static bool fastopen_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return tcp_connect(fd, addr, len) == 0 || errno == EINPROGRESS;
}

static ssize_t send_one(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
			socklen_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
	struct msghdr msg = { .msg_name = (void *)addr, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1 };

	return udp_sendmsg(fd, &msg, flags);
}

/* A send on a connection to a nameserver the library serves. */
static ssize_t served_send(int fd, const void *buf, size_t n, int flags)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	return dns_tcp_sendmsg(fd, &msg, flags);
}

static ssize_t recv_one(int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
			socklen_t *len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = n };
	struct msghdr msg = { .msg_name = addr, .msg_namelen = len ? *len : 0, .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t rc = udp_recvmsg(fd, &msg, flags);

	if (rc >= 0 && len != NULL)
		*len = msg.msg_namelen;
	return rc;
}

HOOK ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
		    socklen_t len)
{
	const struct real_fns *r = real();

	if (fastopen(fd, flags, addr)) {
		if (!fastopen_connect(fd, addr, len))
			return -1;
		return r->sendto(fd, buf, n, flags & ~MSG_FASTOPEN, NULL, 0);
	}
	if (fdtable_kind(fd) == FD_DNS_TCP)
		return served_send(fd, buf, n, flags);
	if (!udp_wants_send(fd, addr, len))
		return r->sendto(fd, buf, n, flags, addr, len);
	return send_one(fd, buf, n, flags, addr, len);
}

HOOK ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	const struct real_fns *r = real();
	struct msghdr plain;

	if (msg != NULL && fastopen(fd, flags, msg->msg_name)) {
		if (!fastopen_connect(fd, msg->msg_name, msg->msg_namelen))
			return -1;
		plain = *msg;
		plain.msg_name = NULL;
		plain.msg_namelen = 0;
		return r->sendmsg(fd, &plain, flags & ~MSG_FASTOPEN);
	}
	if (msg != NULL && fdtable_kind(fd) == FD_DNS_TCP)
		return dns_tcp_sendmsg(fd, msg, flags);
	if (msg == NULL || !udp_wants_send(fd, msg->msg_name, msg->msg_namelen))
		return r->sendmsg(fd, msg, flags);
	return udp_sendmsg(fd, msg, flags);
}

static bool any_wants_send(int fd, const struct mmsghdr *vec, unsigned int vlen)
{
	for (unsigned int i = 0; i < vlen; i++)
		if (udp_wants_send(fd, vec[i].msg_hdr.msg_name, vec[i].msg_hdr.msg_namelen))
			return true;
	return false;
}

/* Decided per message: one batch may mix direct and relayed destinations. */
HOOK int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	const struct real_fns *r = real();
	unsigned int i;

	if (vec == NULL || !any_wants_send(fd, vec, vlen))
		return r->sendmmsg(fd, vec, vlen, flags);
	for (i = 0; i < vlen; i++) {
		const struct msghdr *m = &vec[i].msg_hdr;
		ssize_t n = udp_wants_send(fd, m->msg_name, m->msg_namelen) ? udp_sendmsg(fd, m, flags)
									    : r->sendmsg(fd, m, flags);
		if (n < 0)
			return i > 0 ? (int)i : -1;
		vec[i].msg_len = (unsigned int)n;
	}
	return (int)i;
}

HOOK ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	enum fd_kind kind = fdtable_kind(fd);

	if (kind == FD_UDP)
		return send_one(fd, buf, n, flags, NULL, 0);
	if (kind == FD_DNS_TCP)
		return served_send(fd, buf, n, flags);
	return real()->send(fd, buf, n, flags);
}

HOOK ssize_t write(int fd, const void *buf, size_t n)
{
	enum fd_kind kind = fdtable_kind(fd);

	if (kind == FD_UDP)
		return send_one(fd, buf, n, 0, NULL, 0);
	if (kind == FD_DNS_TCP)
		return served_send(fd, buf, n, 0);
	return real()->write(fd, buf, n);
}

/* libuv and others write a DNS-over-TCP length and message as two buffers. */
HOOK ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	enum fd_kind kind = fdtable_kind(fd);
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt > 0 ? (size_t)iovcnt : 0 };

	if (kind == FD_UDP)
		return udp_sendmsg(fd, &msg, 0);
	if (kind == FD_DNS_TCP)
		return dns_tcp_sendmsg(fd, &msg, 0);
	return real()->writev(fd, iov, iovcnt);
}

HOOK ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len)
{
	if (fdtable_kind(fd) != FD_UDP)
		return real()->recvfrom(fd, buf, n, flags, addr, len);
	return recv_one(fd, buf, n, flags, addr, len);
}

HOOK ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (fdtable_kind(fd) != FD_UDP || msg == NULL)
		return real()->recvmsg(fd, msg, flags);
	return udp_recvmsg(fd, msg, flags);
}

/* The timeout is not applied to relayed datagrams; MSG_WAITFORONE is. */
HOOK int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
{
	unsigned int i;

	if (fdtable_kind(fd) != FD_UDP || vec == NULL)
		return real()->recvmmsg(fd, vec, vlen, flags, timeout);
	for (i = 0; i < vlen; i++) {
		int f = (i > 0 && (flags & MSG_WAITFORONE)) ? (flags | MSG_DONTWAIT) : flags;
		ssize_t n = udp_recvmsg(fd, &vec[i].msg_hdr, f & ~MSG_WAITFORONE);
		if (n < 0)
			return i > 0 ? (int)i : -1;
		vec[i].msg_len = (unsigned int)n;
	}
	return (int)i;
}

HOOK ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	if (fdtable_kind(fd) != FD_UDP)
		return real()->recv(fd, buf, n, flags);
	return recv_one(fd, buf, n, flags, NULL, NULL);
}

HOOK ssize_t read(int fd, void *buf, size_t n)
{
	if (fdtable_kind(fd) != FD_UDP)
		return real()->read(fd, buf, n);
	return recv_one(fd, buf, n, 0, NULL, NULL);
}

/*
 * UDP segmentation offload would make the kernel cut one buffer into many
 * datagrams, each needing its own relay header: refused, as programs that
 * probe for it (QUIC stacks) then send datagram by datagram.
 */
HOOK int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	if (level == SOL_UDP && name == UDP_SEGMENT) {
		errno = EIO;
		return -1;
	}
	return real()->setsockopt(fd, level, name, value, len);
}

/*
 * The _FORTIFY_SOURCE forms: libc's check first, then the same call. The
 * failure is reported as glibc's __chk_fail does; calling that would add a
 * symbol version for ld.so to check at every start.
 */
__attribute__((noreturn)) static void chk_fail(void)
{
	static const char msg[] = "*** buffer overflow detected ***: terminated\n";

	(void)!real()->write(2, msg, sizeof(msg) - 1);
	abort();
}

HOOK ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		chk_fail();
	return read(fd, buf, n);
}

HOOK ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		chk_fail();
	return recv(fd, buf, n, flags);
}

HOOK ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
			    struct sockaddr *addr, socklen_t *len)
{
	if (n > buflen)
		chk_fail();
	return recvfrom(fd, buf, n, flags, addr, len);
}
