/*
 * /etc/hosts, read directly: names it lists are the real resolver's, and
 * reverse lookups of addresses that are not placeholders are answered from
 * it (or numerically), never by a PTR query that would leak.
 */
#ifndef SOCKSIFY_HOSTS_H
#define SOCKSIFY_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define HOSTS_PATH "/etc/hosts"

/* Whether the file lists name (compared without case), for any address. */
bool hosts_has_name(const char *path, const char *name);

/*
 * The addresses the file gives for name, in file order, normalised (a
 * v4-mapped entry is IPv4), at most max. Returns how many.
 */
size_t hosts_addrs(const char *path, const char *name, struct sockaddr_storage *out, size_t max);

/* The first name the file gives for addr (normalised; port ignored). */
bool hosts_name_of(const char *path, const struct sockaddr_storage *addr, char *out, size_t cap);

#endif
