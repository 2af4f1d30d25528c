#include "real.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct real_fns real_fns;
atomic_int real_resolved;

#define RESOLVE(name) resolve_one((void **)&real_fns.name, #name)

static void resolve_one(void **slot, const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (fn == NULL) {
		/* Without the real function no call can be forwarded safely. */
		static const char msg[] = "socksify: cannot find a libc function; aborting\n";
		(void)!syscall(SYS_write, 2, msg, sizeof(msg) - 1);
		abort();
	}
	*slot = fn;
}

/*
 * The preload library's first-use work (its fork handlers, init.c); weak,
 * so that the unit tests and the command, which link this file without it,
 * need none.
 */
__attribute__((weak)) void real_first_use(void);

void real_first_use_once(void)
{
	static atomic_flag done = ATOMIC_FLAG_INIT;

	if (real_first_use != NULL && !atomic_flag_test_and_set(&done))
		real_first_use();
}

/* Racing first calls resolve the same pointers: harmless, so no lock. */
void real_resolve(void)
{
	RESOLVE(socket);
	RESOLVE(connect);
	RESOLVE(getpeername);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(close);
	RESOLVE(close_range);
	RESOLVE(closefrom);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fcntl);
	RESOLVE(fork);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(send);
	RESOLVE(recv);
	RESOLVE(sendto);
	RESOLVE(sendmsg);
	RESOLVE(writev);
	RESOLVE(sendmmsg);
	RESOLVE(recvfrom);
	RESOLVE(recvmsg);
	RESOLVE(recvmmsg);
	RESOLVE(bind);
	RESOLVE(syscall);
	RESOLVE(setsockopt);
	RESOLVE(res_query);
	RESOLVE(res_search);
	RESOLVE(res_querydomain);
	RESOLVE(res_send);
	RESOLVE(res_nquery);
	RESOLVE(res_nsearch);
	RESOLVE(res_nquerydomain);
	RESOLVE(res_nsend);
	RESOLVE(poll);
	RESOLVE(getaddrinfo);
	RESOLVE(freeaddrinfo);
	RESOLVE(getnameinfo);
	RESOLVE(gethostbyname);
	RESOLVE(gethostbyname2);
	RESOLVE(gethostbyname_r);
	RESOLVE(gethostbyname2_r);
	RESOLVE(gethostbyaddr);
	RESOLVE(gethostbyaddr_r);
	atomic_store_explicit(&real_resolved, 1, memory_order_release);
}
