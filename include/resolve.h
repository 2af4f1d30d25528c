/*
 * Name resolution under socksify. Where an answer comes from is decided
 * as musl's lookup_name.c does, one small function per source tried in
 * order: a numeric address (libc's), localhost, this machine's name and
 * /etc/hosts (answered from the file), a direct_hosts pattern (the real
 * resolver), else a fake-DNS placeholder, so that the proxy resolves the
 * name and no query leaves the machine. Reverse lookups are answered from
 * the table, /etc/hosts or numerically, never by a PTR query.
 */
#ifndef SOCKSIFY_RESOLVE_H
#define SOCKSIFY_RESOLVE_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

#define RESOLVE_NOT_OURS (-1000)

/*
 * Lowercases, drops one trailing dot, and checks the name: 1..255 bytes,
 * no empty label, no NUL (len is what the caller measured). false: invalid.
 */
bool name_normalize(const char *name, char out[256], size_t *out_len);

enum name_source {
	SOURCE_HOSTS,  /* localhost, this machine's name, /etc/hosts: from the file */
	SOURCE_DIRECT, /* a direct_hosts pattern: the real resolver */
	SOURCE_FAKE,   /* a placeholder */
};

/* Where the answer for a normalised name comes from. */
enum name_source name_source(const struct config *cfg, const char *name);

/* getaddrinfo() and getnameinfo() with libc's contracts. */
int resolve_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			struct addrinfo **res);
int resolve_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
			char *serv, socklen_t servlen, int flags);

/*
 * The gethostbyname*_r / gethostbyaddr_r contract, or RESOLVE_NOT_OURS
 * when the real function should answer (numeric names).
 */
int resolve_gethostbyname(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			  struct hostent **result, int *h_errnop);
int resolve_gethostbyaddr(const void *addr, socklen_t len, int type, struct hostent *ret,
			  char *buf, size_t buflen, struct hostent **result, int *h_errnop);

#endif
