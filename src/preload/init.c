/*
 * What runs at load: only the registration of the fork handlers (no
 * thread, no file, no lookup). At a process's first fork the configuration
 * is loaded, so that the fake-DNS table the parent and child then share
 * has the configured ranges.
 */
#include <pthread.h>

#include "fakedns.h"
#include "proxy.h"

static void prepare(void)
{
	proxy_config();
	fakedns_fork_prepare();
}

__attribute__((constructor)) static void socksify_load(void)
{
	pthread_atfork(prepare, fakedns_fork_parent, fakedns_fork_child);
}
