/* Hooks: connect, getpeername. */
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

HOOK int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct real_fns *r = real();

	if (addr == NULL || len < sizeof(sa_family_t) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6) ||
	    socket_type(fd) != SOCK_STREAM)
		return r->connect(fd, addr, len);
	return tcp_connect(fd, addr, len);
}

HOOK int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	const struct real_fns *r = real();

	if (fdtable_kind(fd) == FD_NONE)
		return r->getpeername(fd, addr, len);
	return tcp_getpeername(fd, addr, len);
}
