/*
 * The addrinfo list glibc's getaddrinfo gives for one numeric address,
 * built here: a placeholder would otherwise be formatted as text and
 * parsed back by libc at every lookup. Only requests whose glibc answer is
 * certain are taken (addrinfo_request says which), and the list has
 * glibc's layout, so that its freeaddrinfo frees it: each node is one
 * malloc of a struct addrinfo followed by its socket address, and
 * ai_canonname, on the first node only, a string of its own.
 */
#ifndef SOCKSIFY_ADDRINFO_H
#define SOCKSIFY_ADDRINFO_H

#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* A request the builder answers as glibc would. */
struct addrinfo_request {
	int flags;          /* the caller's: glibc copies them into every node */
	in_port_t port;     /* network byte order */
	size_t first, count; /* the socket types, from glibc's order */
};

/*
 * Whether glibc's list for these hints and this service is certain without
 * asking it: flags within PASSIVE|CANONNAME|V4MAPPED|ALL|ADDRCONFIG|
 * NUMERICSERV, socktype 0, SOCK_STREAM or SOCK_DGRAM with protocol 0 or
 * its own (TCP, UDP), service NULL, "" or a decimal port. Fills *req.
 * The family is the caller's to check; AI_ADDRCONFIG is not applied.
 */
bool addrinfo_request(const struct addrinfo *hints, const char *service, struct addrinfo_request *req);

/*
 * The list for one address: family AF_INET (addr: 4 bytes) or AF_INET6 (16
 * bytes); canonname goes on the first node under AI_CANONNAME. 0, or
 * EAI_MEMORY with *res untouched.
 */
int addrinfo_build(const struct addrinfo_request *req, int family, const void *addr,
		   const char *canonname, struct addrinfo **res);

#endif
