/*
 * Which destinations are nameservers a program's own resolver asks: the
 * nameserver lines of /etc/resolv.conf, and any loopback address (local
 * stubs such as 127.0.0.53), on port 53.
 */
#ifndef SOCKSIFY_NAMESERVER_H
#define SOCKSIFY_NAMESERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define RESOLV_CONF_PATH "/etc/resolv.conf"
#define NAMESERVER_MAX 8
#define DNS_PORT 53

/*
 * The nameserver lines of a resolv.conf text, normalised with port 53, in
 * file order, at most max. Returns how many.
 */
size_t nameserver_parse(const char *text, struct sockaddr_storage *out, size_t max);

/* dst (normalised) is a nameserver; resolv.conf is read at the first port-53 call. */
bool nameserver_is(const struct sockaddr_storage *dst);

#endif
