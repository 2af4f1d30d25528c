/*
 * Nothing runs at load. The fork handlers are registered before the
 * library first keeps state, or at a fork (no thread, no file, no lookup). At a process's first fork the fake-DNS
 * table is mapped, without reading the configuration (a shell that forks
 * but never uses the network opens no file): the first process of the
 * tree that needs the table chooses its ranges. Every process-private lock
 * is taken before fork and released after it on both sides: a child must
 * not inherit one held by a thread it does not have.
 */
#include <pthread.h>
#include <unistd.h>

#include "dns_intercept.h"
#include "fakedns.h"
#include "fdtable.h"
#include "hook.h"
#include "proxy.h"
#include "real.h"
#include "route.h"

/*
 * The library is linked without the C start files (-nostartfiles): their
 * load-time code (_init, frame_dummy) would touch a page of text in every
 * process, and the kernel's fault-around would then map 52 KiB of it. They
 * also define the handle libc files this object's fork handlers under; here
 * it is. Nothing else of theirs is needed: no constructors, no C++, and the
 * library is never unloaded (-z nodelete: a dlclose would otherwise leave
 * the fork handlers pointing into an unmapped object, as nothing of the
 * start files unregisters them).
 */
void *__dso_handle __attribute__((visibility("hidden"))) = &__dso_handle; /* NOLINT(bugprone-reserved-identifier) */

static void prepare(void)
{
	proxy_fork_lock();
	fakedns_fork_prepare();
	fdtable_fork_lock();
	route_fork_lock();
	dns_intercept_fork_lock();
}

static void release(void)
{
	proxy_fork_unlock();
	dns_intercept_fork_unlock();
	route_fork_unlock();
	fdtable_fork_unlock();
}

static void parent(void)
{
	release();
	fakedns_fork_parent();
}

static void child(void)
{
	release();
	fakedns_fork_child();
}

/*
 * Before the library first keeps state, not at load: a process that never
 * does has nothing to protect across fork, and every process start is
 * spared the registration.
 */
void real_first_use(void)
{
	pthread_atfork(prepare, parent, child);
}

/*
 * A fork before anything else: registering now still lets parent and
 * child share the fake-DNS table (the real fork runs the handlers).
 */
HOOK pid_t fork(void)
{
	real_first_use_once();
	return real()->fork();
}
