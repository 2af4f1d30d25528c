/*
 * Queries the fake-DNS table cannot answer (MX, TXT, SRV, ...) go to the
 * configured dns_upstream through the proxy: over a UDP association, or
 * as DNS over TCP through CONNECT when the proxy refuses UDP.
 */
#ifndef SOCKSIFY_DNS_UPSTREAM_H
#define SOCKSIFY_DNS_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Sends query, returns the reply's length in reply, or -1 (logged). The
 * reply is not checked: see dns_check_reply().
 */
int dns_upstream_exchange(const uint8_t *query, size_t len, uint8_t *reply, size_t cap);

/*
 * All len bytes sent (out) or received on a non-blocking socket before the
 * deadline; false with errno set (ECONNRESET at the peer's end).
 */
bool dns_io_all(int fd, uint8_t *buf, size_t len, bool out, int64_t deadline);

/*
 * One query over DNS over TCP on a connected socket, before the deadline:
 * the reply's length, or -1 with errno set.
 */
int dns_tcp_exchange(int fd, const uint8_t *query, size_t len, uint8_t *reply, size_t cap,
		     int64_t deadline);

/* One query over TCP straight to a nameserver (names that are direct). */
int dns_direct_exchange(const struct sockaddr_storage *ns, const uint8_t *query, size_t len,
			uint8_t *reply, size_t cap);

#endif
