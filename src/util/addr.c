#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool addr_normalize(const struct sockaddr *sa, socklen_t len, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(out, sa, sizeof(struct sockaddr_in));
		return true;
	}
	if (sa->sa_family != AF_INET6 || len < sizeof(struct sockaddr_in6))
		return false;

	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	if (memcmp(in6->sin6_addr.s6_addr, v4mapped_prefix, 12) != 0) {
		memcpy(out, sa, sizeof(struct sockaddr_in6));
		return true;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)out;
	in->sin_family = AF_INET;
	in->sin_port = in6->sin6_port;
	memcpy(&in->sin_addr, in6->sin6_addr.s6_addr + 12, 4);
	return true;
}

uint16_t addr_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
					       : ((const struct sockaddr_in *)ss)->sin_port);
}

socklen_t addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

socklen_t addr_in_family(const struct sockaddr_storage *ss, int family, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (ss->ss_family == family) {
		memcpy(out, ss, addr_len(ss));
		return addr_len(ss);
	}
	if (ss->ss_family != AF_INET || family != AF_INET6)
		return 0;

	const struct sockaddr_in *in = (const void *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = in->sin_port;
	memcpy(in6->sin6_addr.s6_addr, v4mapped_prefix, 12);
	memcpy(in6->sin6_addr.s6_addr + 12, &in->sin_addr, 4);
	return sizeof(*in6);
}

void addr_format(const struct sockaddr_storage *ss, char out[ADDR_STRLEN])
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, ADDR_STRLEN, "%s:%u", host, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, ADDR_STRLEN, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(out, ADDR_STRLEN, "(family %d)", ss->ss_family);
	}
}

static bool parse_port(const char *text, uint16_t *port)
{
	char *end;
	unsigned long n;

	if (*text < '0' || *text > '9')
		return false;
	n = strtoul(text, &end, 10);
	if (*end != '\0' || n == 0 || n > 65535)
		return false;
	*port = (uint16_t)n;
	return true;
}

bool addr_parse(const char *text, uint16_t default_port, struct sockaddr_storage *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *end;
	uint16_t portnum = default_port;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return false;
		text++;
		port = end[1] == ':' ? end + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		bool v4 = colon != NULL && strchr(colon + 1, ':') == NULL;
		end = v4 ? colon : text + strlen(text);
		port = v4 ? colon + 1 : NULL;
	}
	len = (size_t)(end - text);
	if (len == 0 || len >= sizeof(host) || (port != NULL && !parse_port(port, &portnum)))
		return false;
	memcpy(host, text, len);
	host[len] = '\0';

	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(portnum) };
	struct sockaddr_in *in = (struct sockaddr_in *)out;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(portnum);
		return true;
	}
	if (inet_pton(AF_INET6, host, &in6.sin6_addr) != 1)
		return false;
	return addr_normalize((struct sockaddr *)&in6, sizeof(in6), out);
}

static bool parse_prefix(const char *text, unsigned max, uint8_t *prefix)
{
	char *end;
	unsigned long n;

	if (*text < '0' || *text > '9')
		return false;
	n = strtoul(text, &end, 10);
	if (*end != '\0' || n > max)
		return false;
	*prefix = (uint8_t)n;
	return true;
}

bool cidr_parse(const char *text, size_t len, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *host = buf, *slash;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));

	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (host[0] == '[') {
		size_t hl = strlen(host);
		if (hl < 3 || host[hl - 1] != ']')
			return false;
		host[hl - 1] = '\0';
		host++;
	}
	if (inet_pton(AF_INET, host, out->bytes) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, host, out->bytes) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else {
		return false;
	}
	if (slash != NULL && !parse_prefix(slash + 1, out->prefix, &out->prefix))
		return false;
	/* A v4-mapped range is an IPv4 range, as addresses are normalised. */
	if (out->family == AF_INET6 && out->prefix >= 96 &&
	    memcmp(out->bytes, v4mapped_prefix, 12) == 0) {
		memmove(out->bytes, out->bytes + 12, 4);
		memset(out->bytes + 4, 0, 12);
		out->family = AF_INET;
		out->prefix -= 96;
	}
	return true;
}

bool cidr_match(const struct cidr *c, const struct sockaddr_storage *ss)
{
	const uint8_t *bytes;
	unsigned full, rest;

	if (c->family != ss->ss_family)
		return false;
	if (ss->ss_family == AF_INET)
		bytes = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	else
		bytes = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(bytes, c->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (bytes[full] & mask) == (c->bytes[full] & mask);
}
