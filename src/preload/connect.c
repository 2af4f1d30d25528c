/*
 * Hooks: connect, getpeername, and the sends that connect by themselves
 * (TCP Fast Open), which would otherwise reach the destination directly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "fdtable.h"
#include "hook.h"
#include "real.h"
#include "tcp_connect.h"

static int socket_type(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 ? type : -1;
}

static bool is_inet_stream(int fd, const struct sockaddr *addr, socklen_t len)
{
	return addr != NULL && len >= sizeof(sa_family_t) &&
	       (addr->sa_family == AF_INET || addr->sa_family == AF_INET6) &&
	       socket_type(fd) == SOCK_STREAM;
}

HOOK int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct real_fns *r = real();

	if (!is_inet_stream(fd, addr, len))
		return r->connect(fd, addr, len);
	return tcp_connect(fd, addr, len);
}

/* The proxied connect first, then the data as an ordinary send. */
static bool fastopen_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return tcp_connect(fd, addr, len) == 0 || errno == EINPROGRESS;
}

HOOK ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
		    socklen_t len)
{
	const struct real_fns *r = real();

	if (!(flags & MSG_FASTOPEN) || !is_inet_stream(fd, addr, len))
		return r->sendto(fd, buf, n, flags, addr, len);
	if (!fastopen_connect(fd, addr, len))
		return -1;
	return r->sendto(fd, buf, n, flags & ~MSG_FASTOPEN, NULL, 0);
}

HOOK ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	const struct real_fns *r = real();
	struct msghdr plain;

	if (!(flags & MSG_FASTOPEN) || msg == NULL || !is_inet_stream(fd, msg->msg_name, msg->msg_namelen))
		return r->sendmsg(fd, msg, flags);
	if (!fastopen_connect(fd, msg->msg_name, msg->msg_namelen))
		return -1;
	plain = *msg;
	plain.msg_name = NULL;
	plain.msg_namelen = 0;
	return r->sendmsg(fd, &plain, flags & ~MSG_FASTOPEN);
}

HOOK int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	const struct real_fns *r = real();

	if (fdtable_kind(fd) == FD_NONE)
		return r->getpeername(fd, addr, len);
	return tcp_getpeername(fd, addr, len);
}
