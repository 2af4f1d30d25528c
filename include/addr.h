/* Socket address helpers: normalising, comparing, formatting, CIDR lists. */
#ifndef SOCKSIFY_ADDR_H
#define SOCKSIFY_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "[ffff:...:ffff]:65535" plus NUL. */
#define ADDR_STRLEN 56

struct cidr {
	sa_family_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix;     /* bits */
	uint8_t bytes[16];
};

/*
 * Copies an AF_INET or AF_INET6 address into out, turning an IPv4-mapped
 * IPv6 address into plain AF_INET: such an address is IPv4 everywhere.
 * Returns false for other families or a short length.
 */
bool addr_normalize(const struct sockaddr *sa, socklen_t len, struct sockaddr_storage *out);

/* The port of a normalised AF_INET/AF_INET6 address, in host order. */
uint16_t addr_port(const struct sockaddr_storage *ss);

/* Length of a normalised AF_INET/AF_INET6 address. */
socklen_t addr_len(const struct sockaddr_storage *ss);

/* The same address and port. Both sides normalised. */
bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/*
 * Writes ss in the given socket family: AF_INET into an AF_INET6 socket
 * becomes IPv4-mapped. Returns the length, or 0 when it cannot be expressed
 * (IPv6 into an AF_INET socket).
 */
socklen_t addr_in_family(const struct sockaddr_storage *ss, int family, struct sockaddr_storage *out);

/* "198.51.100.1:1080" or "[2001:db8::1]:1080". */
void addr_format(const struct sockaddr_storage *ss, char out[ADDR_STRLEN]);

/*
 * Parses an IP literal with an optional port: "a.b.c.d[:port]",
 * "[v6][:port]" or a bare "v6" (no port). Normalised into out.
 */
bool addr_parse(const char *text, uint16_t default_port, struct sockaddr_storage *out);

/* Parses "a.b.c.d[/n]" or "v6[/n]" (brackets allowed). */
bool cidr_parse(const char *text, size_t len, struct cidr *out);
bool cidr_match(const struct cidr *c, const struct sockaddr_storage *ss);

#endif
