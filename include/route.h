/* The decision for one destination: direct, or through the proxy. */
#ifndef SOCKSIFY_ROUTE_H
#define SOCKSIFY_ROUTE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "proxy.h"

/*
 * Direct: the configured direct list (loopback by default) and the
 * proxy's own address; never a fake-DNS placeholder. dst is normalised.
 */
bool route_is_direct(const struct proxy *p, const struct sockaddr_storage *dst);

/*
 * An address the real resolver gave for a direct_hosts name: connected
 * directly too. The most recent ROUTE_LEARNED_MAX are kept.
 */
#define ROUTE_LEARNED_MAX 256
void route_learn_direct(const struct sockaddr *addr, socklen_t len);

/* fork: the learned list's lock, as fdtable_fork_lock. */
void route_fork_lock(void);
void route_fork_unlock(void);

#endif
