/*
 * libFuzzer harness for the DNS message codec (include/dnsmsg.h).
 *
 * Each input is parsed as a query; when that succeeds, a reply with one A
 * answer is built (and, with the input's last byte as a small cap, a reply
 * into a cramped buffer) and its question is read back, which must give
 * the query's name. The input is also checked as an upstream's reply to
 * a fixed query (dns_check_reply, with a limit from its first byte), in
 * an exactly-sized copy since it rewrites in place. dns_read_name also runs at every offset of the input,
 * and the name it returns is written back out and read again. The
 * sanitizers catch any read past len or write past cap; the asserts catch
 * replies that do not say what the query asked.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       tests/fuzz/fuzz_dnsmsg.c src/dns/codec.c -o /tmp/fuzz_dnsmsg
 *   /tmp/fuzz_dnsmsg -max_total_time=60
 */
#include "dnsmsg.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static void check_reply(const uint8_t *reply, int len, const struct dns_query *q)
{
	char name[DNS_NAME_MAX + 1];
	size_t off = DNS_HEADER_LEN;

	assert(len >= DNS_HEADER_LEN);
	assert(reply[0] == q->id >> 8 && reply[1] == (q->id & 0xff));
	assert(reply[2] & 0x80); /* QR */
	assert(reply[4] == 0 && reply[5] == 1);
	assert(dns_read_name(reply, (size_t)len, &off, name) == 0);
	assert(strcmp(name, q->name) == 0);
	assert(off + 4 == q->question_end);
}

static void fuzz_reply(const uint8_t *data, size_t size, const struct dns_query *q)
{
	static uint8_t out[DNS_MSG_MAX];
	struct dns_answer a = { .type = DNS_TYPE_A, .ttl = 5, .addr = { 192, 0, 2, 1 } };
	size_t small = size ? data[size - 1] : 0;
	uint8_t *tight;
	int len;

	len = dns_build_reply(out, sizeof(out), data, q, DNS_RCODE_NOERROR, &a, 1, q->udp_size);
	assert(len > 0);
	check_reply(out, len, q);

	/* An exactly-sized heap buffer: ASan sees one byte past cap. */
	tight = malloc(small ? small : 1);
	len = dns_build_reply(tight, small, data, q, DNS_RCODE_NXDOMAIN, &a, 1, q->udp_size);
	assert(len == DNS_ERR_SPACE || (len > 0 && (size_t)len <= small));
	if (len > 0)
		check_reply(tight, len, q);
	free(tight);
}

static void fuzz_names(const uint8_t *data, size_t size)
{
	char name[DNS_NAME_MAX + 1], again[DNS_NAME_MAX + 1];
	uint8_t wire[DNS_NAME_MAX];
	size_t off, off2;
	int n;

	for (off = 0; off <= size; off++) {
		off2 = off;
		if (dns_read_name(data, size, &off2, name) != 0)
			continue;
		assert(off2 > off && off2 <= size);
		assert(strlen(name) < DNS_NAME_MAX);
		n = dns_write_name(wire, sizeof(wire), name);
		assert(n > 0);
		off2 = 0;
		assert(dns_read_name(wire, (size_t)n, &off2, again) == 0);
		assert(strcmp(name, again) == 0 && off2 == (size_t)n);
	}
}

static void fuzz_upstream_reply(const uint8_t *data, size_t size)
{
	static const uint8_t query[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p',
					 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, 15, 0, 1 };
	struct dns_query q;
	size_t limit = size ? (size_t)data[0] * 4 : 0;
	uint8_t *copy = malloc(size ? size : 1);
	int len;

	assert(dns_parse_query(query, sizeof(query), &q) == 0);
	memcpy(copy, data, size);
	len = dns_check_reply(copy, size, &q, limit);
	assert(len < 0 || ((size_t)len <= size && ((size_t)len <= limit || (size_t)len == size)));
	if (len >= 0 && (size_t)len < size)
		assert((size_t)len == q.question_end && (copy[2] & 0x02));
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query q;
	uint8_t addr[16];
	char rev[DNS_NAME_MAX + 1];
	int family;

	if (size > DNS_MSG_MAX)
		return 0;
	fuzz_names(data, size);
	fuzz_upstream_reply(data, size);
	if (dns_parse_query(data, size, &q) != 0)
		return 0;
	assert(q.question_end <= size && q.udp_size >= DNS_UDP_DEFAULT);
	fuzz_reply(data, size, &q);
	family = dns_reverse_name_addr(q.name, addr);
	if (family != 0) {
		assert(dns_addr_reverse_name(family, addr, rev) == 0);
		assert(dns_reverse_name_addr(rev, addr) == family);
	}
	return 0;
}
