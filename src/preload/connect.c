/* Hooks: connect (TCP through the proxy, UDP emulated), getpeername. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "dial.h"
#include "fdtable.h"
#include "hook.h"
#include "real.h"
#include "tcp_connect.h"
#include "udp.h"

HOOK int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct real_fns *r = real();
	int type;

	if (addr == NULL || len < sizeof(sa_family_t))
		return r->connect(fd, addr, len);
	if (addr->sa_family == AF_UNSPEC && fdtable_kind(fd) == FD_UDP)
		return udp_connect(fd, addr, len);
	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return r->connect(fd, addr, len);
	type = socket_type(fd);
	if (type == SOCK_STREAM)
		return tcp_connect(fd, addr, len);
	if (type == SOCK_DGRAM)
		return udp_connect(fd, addr, len);
	return r->connect(fd, addr, len);
}

HOOK int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	const struct real_fns *r = real();

	if (fdtable_kind(fd) == FD_NONE)
		return r->getpeername(fd, addr, len);
	return tcp_getpeername(fd, addr, len);
}
