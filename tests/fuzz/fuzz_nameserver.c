/*
 * libFuzzer harness for the address parsers: nameserver_parse (resolv.conf
 * text), addr_parse (IP literal with optional port) and cidr_parse.
 *
 * The input, cut at its first NUL and held in an exactly-sized heap copy,
 * is read as resolv.conf text with a limit from its first byte: at most
 * that many normalised (never IPv4-mapped) addresses, all on port 53, and
 * the same first ones under a smaller limit. Each line is also given to
 * addr_parse (with a default port from the input) and to cidr_parse (with
 * the exact length of the line); what they accept is formatted and parsed
 * back to the same address or range, a range contains its own address
 * and not the one with the prefix's last bit flipped, an address is in
 * its /32 or /128, and it goes into an AF_INET6 socket's form and back
 * (and into an AF_INET one only if it is IPv4).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *       tests/fuzz/fuzz_nameserver.c src/core/nameserver.c src/util/addr.c \
 *       src/util/file.c src/preload/real.c -o /tmp/fuzz_nameserver
 *   /tmp/fuzz_nameserver tests/fuzz/corpus/nameserver
 */
#include "addr.h"
#include "nameserver.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void check_normalised(const struct sockaddr_storage *ss)
{
	assert(ss->ss_family == AF_INET || ss->ss_family == AF_INET6);
	if (ss->ss_family == AF_INET6)
		assert(memcmp(((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr, v4mapped, 12) != 0);
}

static void fuzz_addr(const char *line, uint16_t default_port)
{
	struct sockaddr_storage ss, again, mapped;
	struct cidr host;
	char text[ADDR_STRLEN];

	if (!addr_parse(line, default_port, &ss))
		return;
	check_normalised(&ss);
	addr_format(&ss, text);
	assert(strlen(text) < sizeof(text));
	if (port_of(&ss) == 0) /* only a default port of 0 gives one; it is not parsed */
		return;
	assert(addr_parse(text, 1, &again));
	assert(addr_equal(&ss, &again));

	/* The address is in its own /32 or /128. */
	memset(&host, 0, sizeof(host));
	host.family = ss.ss_family;
	host.prefix = ss.ss_family == AF_INET ? 32 : 128;
	memcpy(host.bytes,
	       ss.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
				       : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
	       ss.ss_family == AF_INET ? 4 : 16);
	assert(cidr_match(&host, &ss));

	/* Into the other family's socket and back (IPv6 has no AF_INET form). */
	socklen_t n = addr_in_family(&ss, AF_INET6, &again);
	assert(n == sizeof(struct sockaddr_in6) && again.ss_family == AF_INET6);
	assert(addr_normalize((struct sockaddr *)&again, n, &mapped) && addr_equal(&ss, &mapped));
	n = addr_in_family(&ss, AF_INET, &again);
	assert(ss.ss_family == AF_INET ? n == sizeof(struct sockaddr_in) && addr_equal(&ss, &again)
				       : n == 0);
	assert(addr_len(&ss) == (ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
							 : sizeof(struct sockaddr_in6)));
}

static void flip_bit(uint8_t *bytes, unsigned bit)
{
	bytes[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
}

static void fuzz_cidr(const char *line, size_t len)
{
	struct cidr c, again;
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8];
	char *copy = malloc(len ? len : 1);

	memcpy(copy, line, len);
	if (!cidr_parse(copy, len, &c)) {
		free(copy);
		return;
	}
	free(copy);
	assert((c.family == AF_INET && c.prefix <= 32) || (c.family == AF_INET6 && c.prefix <= 128));
	if (c.family == AF_INET) {
		for (size_t i = 4; i < 16; i++)
			assert(c.bytes[i] == 0);
	} else if (c.prefix >= 96) {
		assert(memcmp(c.bytes, v4mapped, 12) != 0);
	}
	assert(inet_ntop(c.family, c.bytes, host, sizeof(host)) != NULL);
	snprintf(text, sizeof(text), "%s/%u", host, c.prefix);
	assert(cidr_parse(text, strlen(text), &again));
	assert(again.family == c.family && again.prefix == c.prefix &&
	       memcmp(again.bytes, c.bytes, 16) == 0);

	/* The range holds its own address (a v4-mapped /<96 range is IPv6). */
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = c.family;
	if (c.family == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, c.bytes, 4);
	else
		memcpy(((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr, c.bytes, 16);
	assert(cidr_match(&c, &ss));

	/* The last bit of the prefix matters, the first one after it does not. */
	uint8_t *bytes = c.family == AF_INET ? (uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr
					     : ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
	unsigned bits = c.family == AF_INET ? 32 : 128;
	if (c.prefix > 0) {
		flip_bit(bytes, c.prefix - 1u);
		assert(!cidr_match(&c, &ss));
		flip_bit(bytes, c.prefix - 1u);
	}
	if (c.prefix < bits) {
		flip_bit(bytes, c.prefix);
		assert(cidr_match(&c, &ss));
	}
	ss.ss_family = c.family == AF_INET ? AF_INET6 : AF_INET;
	assert(!cidr_match(&c, &ss));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage out[NAMESERVER_MAX + 1], fewer[NAMESERVER_MAX + 1];
	size_t len, max, n, m;
	uint16_t default_port;
	char *text;

	if (size < 3 || size > 8192)
		return 0;
	max = data[0] % (NAMESERVER_MAX + 2);
	default_port = (uint16_t)(data[1] << 8 | data[2]);
	data += 3;
	size -= 3;
	len = strnlen((const char *)data, size);
	text = malloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';

	n = nameserver_parse(text, out, max);
	assert(n <= max);
	for (size_t i = 0; i < n; i++) {
		check_normalised(&out[i]);
		assert(port_of(&out[i]) == DNS_PORT);
	}
	if (max > 0) {
		m = nameserver_parse(text, fewer, max - 1);
		assert(m == (n == max ? max - 1 : n));
		for (size_t i = 0; i < m; i++)
			assert(addr_equal(&out[i], &fewer[i]));
	}

	for (char *line = text, *next; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		fuzz_addr(line, default_port);
		fuzz_cidr(line, strlen(line));
	}
	free(text);
	return 0;
}
