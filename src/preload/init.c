/*
 * What runs at load: only the registration of the fork handlers (no
 * thread, no file, no lookup). At a process's first fork the fake-DNS
 * table is mapped, without reading the configuration (a shell that forks
 * but never uses the network opens no file): the first process of the
 * tree that needs the table chooses its ranges. Every process-private lock
 * is taken before fork and released after it on both sides: a child must
 * not inherit one held by a thread it does not have.
 */
#include <pthread.h>

#include "dns_intercept.h"
#include "fakedns.h"
#include "fdtable.h"
#include "proxy.h"
#include "route.h"

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

__attribute__((constructor)) static void socksify_load(void)
{
	pthread_atfork(prepare, parent, child);
}
