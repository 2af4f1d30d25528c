/*
 * DNS queries programs send themselves to a nameserver (dig, c-ares,
 * anything that reads resolv.conf): answered by the library from the
 * fake-DNS table, so no query leaves except through the proxy.
 *
 * Port 53 cannot be bound without privilege, and a connected socket only
 * receives from its peer, so the nameserver is never the kernel-level
 * peer: a UDP socket stays unconnected (connect is emulated) and gets its
 * answer as a real datagram from a library-owned loopback socket, reported
 * as coming from the nameserver; a TCP connection goes to a library-owned
 * loopback listener and is served inside the write hooks.
 */
#ifndef SOCKSIFY_DNS_INTERCEPT_H
#define SOCKSIFY_DNS_INTERCEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "proxy.h"

/* Whether a datagram or connection to dst (normalised) is answered here. */
bool dns_intercepts(const struct proxy *p, const struct sockaddr_storage *dst);

/* sendmsg() of a query to the nameserver ns on a UDP socket. */
ssize_t dns_udp_send(int fd, const struct sockaddr_storage *ns, const struct msghdr *msg, int flags);

/* Whether a datagram from src is one of the library's answers. */
bool dns_from_responder(const struct sockaddr_storage *src);

/* connect() of a TCP socket to the nameserver ns. */
int dns_tcp_connect(int fd, const struct sockaddr_storage *ns);

/* sendmsg() on such a connection: the bytes go out, complete queries are answered. */
ssize_t dns_tcp_sendmsg(int fd, const struct msghdr *msg, int flags);

/* The library's own DNS sockets, at most max: kept out of close ranges. */
size_t dns_intercept_own_fds(int *out, size_t max);

/* fork: the responders' lock, as fdtable_fork_lock. */
void dns_intercept_fork_lock(void);
void dns_intercept_fork_unlock(void);

#endif
