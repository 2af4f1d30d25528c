/*
 * Hooks of the fd lifecycle: the per-fd table must follow every way an fd
 * number is freed, copied or handed out, or state would pass to a stranger.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdrange.h"
#include "fdtable.h"
#include "hook.h"
#include "real.h"

static int fresh(int fd)
{
	if (fd >= 0)
		fdtable_clear(fd);
	return fd;
}

HOOK int socket(int domain, int type, int protocol)
{
	return fresh(real()->socket(domain, type, protocol));
}

HOOK int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return fresh(real()->accept(fd, addr, len));
}

HOOK int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return fresh(real()->accept4(fd, addr, len, flags));
}

/* Cleared first: once closed, the number may be handed to another thread. */
HOOK int close(int fd)
{
	const struct real_fns *r = real();

	fdtable_clear(fd);
	return r->close(fd);
}

HOOK int close_range(unsigned int first, unsigned int last, int flags)
{
	return fdrange_close(first, last, flags);
}

HOOK void closefrom(int lowfd)
{
	if (lowfd >= 0)
		fdrange_close((unsigned int)lowfd, ~0U, 0);
}

static int copied(int oldfd, int newfd)
{
	if (newfd >= 0)
		fdtable_copy(oldfd, newfd);
	return newfd;
}

HOOK int dup(int oldfd)
{
	return copied(oldfd, real()->dup(oldfd));
}

HOOK int dup2(int oldfd, int newfd)
{
	return copied(oldfd, real()->dup2(oldfd, newfd));
}

HOOK int dup3(int oldfd, int newfd, int flags)
{
	return copied(oldfd, real()->dup3(oldfd, newfd, flags));
}

/* Every fcntl argument fits a pointer-sized slot, as glibc itself reads it. */
HOOK int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	rc = real()->fcntl(fd, cmd, arg);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return copied(fd, rc);
	return rc;
}

/* Programs built with 64-bit file offsets call fcntl64: the same call here. */
HOOK int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));
