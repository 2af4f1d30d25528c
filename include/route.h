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

#endif
