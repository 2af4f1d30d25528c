#include "addrinfo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define FLAGS_TAKEN (AI_PASSIVE | AI_CANONNAME | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV)

/*
 * glibc's socket types for an address, in its order: socktype 0 with
 * protocol 0 gives all three (with a port too, glibc 2.36); otherwise the
 * first that matches socktype and protocol.
 */
static const struct {
	int socktype, protocol;
} glibc_types[] = {
	{ SOCK_STREAM, IPPROTO_TCP },
	{ SOCK_DGRAM, IPPROTO_UDP },
	{ SOCK_RAW, 0 },
};

#define TYPES (sizeof(glibc_types) / sizeof(glibc_types[0]))

static bool types_of(int socktype, int protocol, struct addrinfo_request *req)
{
	if (socktype == 0 && protocol == 0) {
		req->first = 0;
		req->count = TYPES;
		return true;
	}
	/* SOCK_RAW takes any protocol: left to glibc. */
	for (size_t i = 0; i < TYPES - 1; i++) {
		if ((socktype == 0 || socktype == glibc_types[i].socktype) &&
		    (protocol == 0 || protocol == glibc_types[i].protocol)) {
			req->first = i;
			req->count = 1;
			return true;
		}
	}
	return false;
}

/* glibc reads "" as no service; a named one is left to it. */
static bool port_of(const char *service, in_port_t *port)
{
	uint32_t n = 0;

	if (service == NULL || *service == '\0') {
		*port = 0;
		return true;
	}
	for (const char *p = service; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (uint32_t)(*p - '0');
		if (n > 65535)
			return false;
	}
	*port = htons((uint16_t)n);
	return true;
}

bool addrinfo_request(const struct addrinfo *hints, const char *service, struct addrinfo_request *req)
{
	if ((hints->ai_flags & ~FLAGS_TAKEN) != 0)
		return false;
	req->flags = hints->ai_flags;
	return types_of(hints->ai_socktype, hints->ai_protocol, req) && port_of(service, &req->port);
}

/* Fills the socket address that follows the node in its block. */
static socklen_t put_addr(struct addrinfo *ai, int family, const void *addr, in_port_t port)
{
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)(ai + 1);
		*in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = port };
		memcpy(&in6->sin6_addr, addr, sizeof(in6->sin6_addr));
		return sizeof(*in6);
	}
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)(ai + 1);
	*in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = port };
	memcpy(&in->sin_addr, addr, sizeof(in->sin_addr));
	return sizeof(*in);
}

/*
 * One node as glibc allocates it: the node and its address in one block,
 * the canonical name (when given) a string of its own.
 */
static struct addrinfo *node_new(const struct addrinfo_request *req, size_t type, int family,
				 const void *addr, const char *canonname)
{
	size_t size = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	struct addrinfo *ai = malloc(sizeof(*ai) + size);
	char *name = NULL;

	if (ai == NULL || (canonname != NULL && (name = strdup(canonname)) == NULL)) {
		free(ai);
		return NULL;
	}
	socklen_t addrlen = put_addr(ai, family, addr, req->port);

	*ai = (struct addrinfo){
		.ai_flags = req->flags,
		.ai_family = family,
		.ai_socktype = glibc_types[type].socktype,
		.ai_protocol = glibc_types[type].protocol,
		.ai_addrlen = addrlen,
		.ai_addr = (struct sockaddr *)(void *)(ai + 1),
		.ai_canonname = name,
	};
	return ai;
}

/* As glibc's freeaddrinfo does: the name, then the node. */
static void list_free(struct addrinfo *ai)
{
	while (ai != NULL) {
		struct addrinfo *next = ai->ai_next;
		free(ai->ai_canonname);
		free(ai);
		ai = next;
	}
}

int addrinfo_build(const struct addrinfo_request *req, int family, const void *addr,
		   const char *canonname, struct addrinfo **res)
{
	struct addrinfo *head = NULL, **tail = &head;
	const char *first_name = (req->flags & AI_CANONNAME) ? canonname : NULL;

	for (size_t t = req->first; t < req->first + req->count; t++) {
		*tail = node_new(req, t, family, addr, t == req->first ? first_name : NULL);
		if (*tail == NULL) {
			list_free(head);
			return EAI_MEMORY;
		}
		tail = &(*tail)->ai_next;
	}
	*res = head;
	return 0;
}
