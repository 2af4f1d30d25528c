/*
 * Hook: syscall(). Some libraries call the socket system calls through
 * libc's syscall() rather than their wrappers (libuv, and so dig, sends
 * and receives with SYS_sendmmsg/SYS_recvmmsg): those numbers go to the
 * same hooks, every other number straight to the real syscall(). System
 * calls made without libc (inline assembly, io_uring) stay out of reach.
 */
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#include "hook.h"
#include "real.h"

HOOK long syscall(long number, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, number);
	/* clang-analyzer 14 loses track of va_start here, as in log.c. */
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	switch (number) {
	case SYS_connect:
		return connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case SYS_sendto:
		return sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3],
			      (const struct sockaddr *)a[4], (socklen_t)a[5]);
	case SYS_sendmsg:
		return sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case SYS_sendmmsg:
		return sendmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned int)a[2], (int)a[3]);
	case SYS_recvfrom:
		return recvfrom((int)a[0], (void *)a[1], (size_t)a[2], (int)a[3], (struct sockaddr *)a[4],
				(socklen_t *)a[5]);
	case SYS_recvmsg:
		return recvmsg((int)a[0], (struct msghdr *)a[1], (int)a[2]);
	case SYS_recvmmsg:
		return recvmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned int)a[2], (int)a[3],
				(struct timespec *)a[4]);
	default:
		return real()->syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}
