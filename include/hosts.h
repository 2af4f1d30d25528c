/*
 * The local names: /etc/hosts, read directly, and this machine's name.
 * Names they give are the real resolver's, and reverse lookups of
 * addresses that are not placeholders are answered from the file (or
 * numerically), never by a PTR query that would leak.
 *
 * Both are snapshots checked again at most every HOSTS_RECHECK_MS: a
 * lookup in between makes no system call, so an edit of the file or a
 * new hostname is seen up to that long after it is made (glibc's nscd
 * keeps its hosts cache for an hour).
 */
#ifndef SOCKSIFY_HOSTS_H
#define SOCKSIFY_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define HOSTS_PATH "/etc/hosts"
#define HOSTS_RECHECK_MS 1000

/* Whether the file lists name (compared without case), for any address. */
bool hosts_has_name(const char *path, const char *name);

/*
 * The addresses the file gives for name, in file order, normalised (a
 * v4-mapped entry is IPv4), at most max. Returns how many.
 */
size_t hosts_addrs(const char *path, const char *name, struct sockaddr_storage *out, size_t max);

/* The first name the file gives for addr (normalised; port ignored). */
bool hosts_name_of(const char *path, const struct sockaddr_storage *addr, char *out, size_t cap);

/* Whether name is this machine's (gethostname), compared without case. */
bool hosts_is_own_name(const char *name);

/* Sets the re-check interval (tests use 0: every lookup checks). */
void hosts_set_recheck_ms(unsigned ms);

#endif
