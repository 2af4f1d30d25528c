/*
 * Unit tests for the DNS message codec (include/dnsmsg.h).
 *
 * Every message here is written out by hand, byte by byte (a few long names
 * and long pointer chains are laid out by small loops in this file); none
 * comes from the encoder under test. Parsers always read exactly-sized heap
 * copies of their input, so valgrind or AddressSanitizer catches any read
 * past len; builders write into buffers followed by canary bytes, so any
 * write past cap is caught too.
 *
 * The valid queries live in queries[], the expected replies in replies[],
 * and the generic checks (parse, every truncation, trailing junk, QR and
 * QDCOUNT mutations, every too-small cap) run as Check loop tests over them.
 */
#include "dnsmsg.h"
#include "wire.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD 16
#define MAX_HOPS 128 /* DNS_MAX_HOPS in src/dns/codec.c: the pointer cap */

/* Hand-written names, to keep the tables readable. */
#define EXAMPLE_COM 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0
#define IN_ADDR_ARPA 7, 'i', 'n', '-', 'a', 'd', 'd', 'r', 4, 'a', 'r', 'p', 'a', 0
/* 2001:db8::1 reversed, nibble by nibble. */
#define IP6_2001_DB8_1                                                                            \
	1, '1', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0',   \
		1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0', 1, '0',   \
		1, '0', 1, '0', 1, '0', 1, '8', 1, 'b', 1, 'd', 1, '0', 1, '1', 1, '0', 1, '0',   \
		1, '2', 3, 'i', 'p', '6', 4, 'a', 'r', 'p', 'a', 0
#define IP6_2001_DB8_1_NAME                                                                       \
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
#define ADDR6_2001_DB8_1 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
/* A header's worth of bytes, in front of the names dns_read_name reads. */
#define H12 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0
/* OPT: root owner, type 41, class = UDP size (hi, lo), ttl 0, no rdata. */
#define OPT(hi, lo) 0, 0, 41, hi, lo, 0, 0, 0, 0, 0, 0
/* What dns_build_reply appends when the query had OPT: it advertises 1232. */
#define OUR_OPT OPT(0x04, 0xd0)

/* ---------------------------------------------------------------- helpers */

static int parse_copy(const uint8_t *msg, size_t len, struct dns_query *q)
{
	uint8_t *copy = dup_exact(msg, len);
	int rc = dns_parse_query(copy, len, q);

	free(copy);
	return rc;
}

static int read_name_copy(const uint8_t *msg, size_t len, size_t *off, char *out)
{
	uint8_t *copy = dup_exact(msg, len);
	int rc = dns_read_name(copy, len, off, out);

	free(copy);
	return rc;
}

/* ------------------------------------------------------- the valid queries */

struct query_case {
	const char *what;
	const uint8_t *wire;
	size_t len;
	uint16_t id, flags;
	const char *name;
	uint16_t qtype, qclass;
	bool has_opt;
	uint16_t udp_size;
	size_t question_end;
};

enum {
	Q_A,
	Q_A_EDNS,
	Q_AAAA,
	Q_PTR4,
	Q_PTR6,
	Q_MX,
	Q_TXT,
	Q_SRV,
	Q_HTTPS,
	Q_ANY,
	Q_ROOT,
	Q_SECTIONS,
	Q_STATUS,
	Q_OPT_CLASS0,
	Q_OPT_MAX,
	Q_OPT_NOT_ROOT,
	Q_OPT_IN_ANSWER,
};

static const struct query_case queries[] = {
	[Q_A] = { "A, RD, no EDNS0",
		  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1),
		  0x1234, 0x0100, "example.com", DNS_TYPE_A, 1, false, 512, 29 },
	/* As dig sends it: AD set, a COOKIE option in OPT's rdata. */
	[Q_A_EDNS] = { "A, RD+AD, EDNS0 4096 with cookie",
		       WIRE(0xbe, 0xef, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0, 1,
			    0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8, 1, 2, 3, 4, 5,
			    6, 7, 8),
		       0xbeef, 0x0120, "example.com", DNS_TYPE_A, 1, true, 4096, 29 },
	[Q_AAAA] = { "AAAA, RD clear, mixed case",
		     WIRE(0x00, 0x01, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'W', 'w', 'W', 7, 'E',
			  'x', 'a', 'm', 'p', 'l', 'e', 3, 'O', 'r', 'G', 0, 0, 28, 0, 1),
		     0x0001, 0x0000, "www.example.org", DNS_TYPE_AAAA, 1, false, 512, 33 },
	[Q_PTR4] = { "PTR in-addr.arpa, OPT class 256 -> 512",
		     WIRE(0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, 1, '4', 1, '3', 1, '2', 1,
			  '1', IN_ADDR_ARPA, 0, 12, 0, 1, OPT(0x01, 0x00)),
		     0xabcd, 0x0100, "4.3.2.1.in-addr.arpa", DNS_TYPE_PTR, 1, true, 512, 38 },
	[Q_PTR6] = { "PTR ip6.arpa, RD",
		     WIRE(0x77, 0x01, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, IP6_2001_DB8_1, 0, 12, 0, 1),
		     0x7701, 0x0100, IP6_2001_DB8_1_NAME, DNS_TYPE_PTR, 1, false, 512, 90 },
	[Q_MX] = { "MX, EDNS0 1232",
		   WIRE(0x00, 0x02, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 15, 0, 1,
			OPT(0x04, 0xd0)),
		   0x0002, 0x0100, "example.com", DNS_TYPE_MX, 1, true, 1232, 29 },
	[Q_TXT] = { "TXT, RD, no EDNS0",
		    WIRE(0x00, 0x03, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 6, '_', 'd', 'm', 'a', 'r',
			 'c', EXAMPLE_COM, 0, 16, 0, 1),
		    0x0003, 0x0100, "_dmarc.example.com", DNS_TYPE_TXT, 1, false, 512, 36 },
	/* DO bit set in OPT's ttl field. */
	[Q_SRV] = { "SRV, EDNS0 4096 with DO",
		    WIRE(0x00, 0x04, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, 4, '_', 's', 'i', 'p', 4,
			 '_', 't', 'c', 'p', EXAMPLE_COM, 0, 33, 0, 1, 0, 0, 41, 0x10, 0x00, 0,
			 0, 0x80, 0, 0, 0),
		    0x0004, 0x0100, "_sip._tcp.example.com", DNS_TYPE_SRV, 1, true, 4096, 39 },
	[Q_HTTPS] = { "HTTPS, EDNS0 1232",
		      WIRE(0x00, 0x05, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 65, 0,
			   1, OPT(0x04, 0xd0)),
		      0x0005, 0x0100, "example.com", DNS_TYPE_HTTPS, 1, true, 1232, 29 },
	[Q_ANY] = { "ANY, RD clear",
		    WIRE(0x00, 0x06, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 255, 0, 1),
		    0x0006, 0x0000, "example.com", DNS_TYPE_ANY, 1, false, 512, 29 },
	[Q_ROOT] = { "NS of the root",
		     WIRE(0x00, 0x07, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1),
		     0x0007, 0x0100, "", DNS_TYPE_NS, 1, false, 512, 17 },
	/* One record in each section, owners and rdata compressed backwards. */
	[Q_SECTIONS] = { "records in every section, compressed",
			 WIRE(0x55, 0x55, 0x01, 0x00, 0, 1, 0, 1, 0, 1, 0, 2, EXAMPLE_COM, 0, 1, 0,
			      1,
			      /* answer @29: example.com A 203.0.113.1 */
			      0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 1,
			      /* authority @45: ns1.com NS example.com */
			      3, 'n', 's', '1', 0xc0, 0x14, 0, 2, 0, 1, 0, 0, 0x0e, 0x10, 0, 2,
			      0xc0, 0x0c,
			      /* additional @63: OPT 1500, then a TXT on ns1.com */
			      OPT(0x05, 0xdc), 0xc0, 0x2d, 0, 16, 0, 1, 0, 0, 0, 0, 0, 3, 2, 'h',
			      'i'),
			 0x5555, 0x0100, "example.com", DNS_TYPE_A, 1, true, 1500, 29 },
	[Q_STATUS] = { "opcode STATUS",
		       WIRE(0x00, 0x08, 0x11, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1),
		       0x0008, 0x1100, "example.com", DNS_TYPE_A, 1, false, 512, 29 },
	[Q_OPT_CLASS0] = { "OPT class 0 -> 512",
			   WIRE(0x00, 0x09, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1,
				0, 1, OPT(0, 0)),
			   0x0009, 0x0100, "example.com", DNS_TYPE_A, 1, true, 512, 29 },
	[Q_OPT_MAX] = { "OPT class 65535",
			WIRE(0x00, 0x0a, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0,
			     1, OPT(0xff, 0xff)),
			0x000a, 0x0100, "example.com", DNS_TYPE_A, 1, true, 65535, 29 },
	/* Type 41 but not owned by the root: not EDNS0, skipped as any record. */
	[Q_OPT_NOT_ROOT] = { "type 41 with a non-root owner is not OPT",
			     WIRE(0x00, 0x0b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1,
				  0, 1, 0xc0, 0x0c, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0),
			     0x000b, 0x0100, "example.com", DNS_TYPE_A, 1, false, 512, 29 },
	[Q_OPT_IN_ANSWER] = { "OPT in the answer section is not picked up",
			      WIRE(0x00, 0x0c, 0x01, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, EXAMPLE_COM, 0,
				   1, 0, 1, OPT(0x10, 0x00)),
			      0x000c, 0x0100, "example.com", DNS_TYPE_A, 1, false, 512, 29 },
};

static void assert_query(const struct dns_query *q, const struct query_case *c)
{
	ck_assert_msg(q->id == c->id, "%s: id 0x%04x", c->what, q->id);
	ck_assert_msg(q->flags == c->flags, "%s: flags 0x%04x", c->what, q->flags);
	ck_assert_msg(strcmp(q->name, c->name) == 0, "%s: name \"%s\"", c->what, q->name);
	ck_assert_msg(q->qtype == c->qtype, "%s: qtype %u", c->what, q->qtype);
	ck_assert_msg(q->qclass == c->qclass, "%s: qclass %u", c->what, q->qclass);
	ck_assert_msg(q->has_opt == c->has_opt, "%s: has_opt %d", c->what, q->has_opt);
	ck_assert_msg(q->udp_size == c->udp_size, "%s: udp_size %u", c->what, q->udp_size);
	ck_assert_msg(q->question_end == c->question_end, "%s: question_end %zu", c->what,
		      q->question_end);
}

START_TEST(test_query_parse)
{
	const struct query_case *c = &queries[_i];
	struct dns_query q;
	int rc = parse_copy(c->wire, c->len, &q);

	ck_assert_msg(rc == 0, "%s: %s", c->what, dns_strerror(rc));
	assert_query(&q, c);
}
END_TEST

/* Every proper prefix, each in its own exactly-sized block. */
START_TEST(test_query_truncated)
{
	const struct query_case *c = &queries[_i];
	struct dns_query q;
	size_t n;

	for (n = 0; n < c->len; n++) {
		int rc = parse_copy(c->wire, n, &q);

		ck_assert_msg(rc == DNS_ERR_SHORT, "%s: %zu of %zu bytes gave %d", c->what, n,
			      c->len, rc);
	}
}
END_TEST

/* Bytes after the last record (padding, a second message) are not ours. */
START_TEST(test_query_trailing_junk)
{
	const struct query_case *c = &queries[_i];
	uint8_t buf[512];
	struct dns_query q;
	int rc;

	memcpy(buf, c->wire, c->len);
	memset(buf + c->len, 0xc0, 9);
	rc = parse_copy(buf, c->len + 9, &q);
	ck_assert_msg(rc == 0, "%s: %s", c->what, dns_strerror(rc));
	assert_query(&q, c);
}
END_TEST

START_TEST(test_query_qr_set)
{
	const struct query_case *c = &queries[_i];
	uint8_t buf[512];
	struct dns_query q;

	memcpy(buf, c->wire, c->len);
	buf[2] |= 0x80;
	ck_assert_int_eq(parse_copy(buf, c->len, &q), DNS_ERR_FORMAT);
}
END_TEST

START_TEST(test_query_qdcount)
{
	static const uint16_t counts[] = { 0, 2, 0x100, 0xffff };
	const struct query_case *c = &queries[_i];
	uint8_t buf[512];
	struct dns_query q;
	size_t i;

	memcpy(buf, c->wire, c->len);
	for (i = 0; i < ARRAY_LEN(counts); i++) {
		buf[4] = (uint8_t)(counts[i] >> 8);
		buf[5] = (uint8_t)counts[i];
		ck_assert_msg(parse_copy(buf, c->len, &q) == DNS_ERR_FORMAT, "%s: QDCOUNT %u",
			      c->what, counts[i]);
	}
}
END_TEST

/* ------------------------------------------------------ malformed queries */

struct bad_case {
	const char *what;
	const uint8_t *wire;
	size_t len;
	int rc;
};

static const struct bad_case bad_queries[] = {
	{ "QDCOUNT 0", WIRE(0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0), DNS_ERR_FORMAT },
	{ "QDCOUNT 2, both there",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 2, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1, 0xc0, 0x0c,
	       0, 28, 0, 1),
	  DNS_ERR_FORMAT },
	{ "a reply (QR=1)",
	  WIRE(0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1, 0xc0, 0x0c,
	       0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 93, 184, 216, 34),
	  DNS_ERR_FORMAT },
	{ "header only", WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0), DNS_ERR_SHORT },
	{ "additional record's rdlength overruns",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0, 1, 0xc0, 0x0c,
	       0, 1, 0, 1, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4),
	  DNS_ERR_SHORT },
	{ "OPT's rdlength overruns by one",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0, 1, 0, 0, 41,
	       0x10, 0x00, 0, 0, 0, 0, 0, 5, 0, 10, 0, 0),
	  DNS_ERR_SHORT },
	{ "OPT's rdlength 0xffff",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0, 1, 0, 0, 41,
	       0x10, 0x00, 0, 0, 0, 0, 0xff, 0xff),
	  DNS_ERR_SHORT },
	{ "ARCOUNT says 2, one there",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 2, EXAMPLE_COM, 0, 1, 0, 1,
	       OPT(0x10, 0x00)),
	  DNS_ERR_SHORT },
	{ "two OPT records (RFC 6891 6.1.1)",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 2, EXAMPLE_COM, 0, 1, 0, 1,
	       OPT(0x10, 0x00), OPT(0x02, 0x00)),
	  DNS_ERR_FORMAT },
	{ "question name: forward pointer",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0e, EXAMPLE_COM, 0, 1, 0, 1),
	  DNS_ERR_NAME },
	/* Found by the fuzzer: the echoed question would point into the reply's header. */
	{ "question name: pointer into the header",
	  WIRE(0x00, 0x01, 0x01, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x07, 0, 1, 0, 1),
	  DNS_ERR_NAME },
	{ "question name: label type 0x40",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'x', 0, 0, 1, 0, 1),
	  DNS_ERR_NAME },
	{ "additional owner points at itself",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0, 1, 0xc0, 0x1d,
	       0, 1, 0, 1, 0, 0, 0, 0, 0, 0),
	  DNS_ERR_NAME },
	{ "answer owner: label 64",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1, 64, 'a', 0,
	       0, 1, 0, 1, 0, 0, 0, 0, 0, 0),
	  DNS_ERR_NAME },
	{ "question name with a NUL byte in a label",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', 0, 'b', 0, 0, 1, 0, 1),
	  DNS_ERR_NAME },
	{ "question name with a dot inside a label",
	  WIRE(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '.', 'b', 0, 0, 1, 0, 1),
	  DNS_ERR_NAME },
};

START_TEST(test_query_bad)
{
	const struct bad_case *c = &bad_queries[_i];
	struct dns_query q;
	int rc = parse_copy(c->wire, c->len, &q);

	ck_assert_msg(rc == c->rc, "%s: got %d, want %d", c->what, rc, c->rc);
}
END_TEST

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Garbage of the largest size, raw and with a query-shaped header. */
START_TEST(test_query_garbage)
{
	uint8_t *buf = malloc(DNS_MSG_MAX);
	uint32_t seed = 0x9e3779b9u + (uint32_t)_i;
	struct dns_query q;
	size_t i;
	int rc;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < DNS_MSG_MAX; i++)
		buf[i] = (uint8_t)xorshift(&seed);
	rc = dns_parse_query(buf, DNS_MSG_MAX, &q);
	ck_assert_msg(rc <= 0 && rc >= DNS_ERR_FORMAT, "raw garbage: %d", rc);
	buf[2] &= 0x7f;
	buf[4] = 0;
	buf[5] = 1;
	rc = dns_parse_query(buf, DNS_MSG_MAX, &q);
	ck_assert_msg(rc <= 0 && rc >= DNS_ERR_FORMAT, "shaped garbage: %d", rc);
	free(buf);
}
END_TEST

START_TEST(test_query_then_junk_to_max)
{
	const struct query_case *c = &queries[Q_A_EDNS];
	uint8_t *buf = malloc(DNS_MSG_MAX);
	uint32_t seed = 12345;
	struct dns_query q;
	size_t i;
	int rc;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, c->wire, c->len);
	for (i = c->len; i < DNS_MSG_MAX; i++)
		buf[i] = (uint8_t)xorshift(&seed);
	rc = dns_parse_query(buf, DNS_MSG_MAX, &q);
	ck_assert_msg(rc == 0, "%s", dns_strerror(rc));
	assert_query(&q, c);
	free(buf);
}
END_TEST

/* 4000 additional records of 16 bytes (owner: a pointer), then OPT, near 64 KiB. */
START_TEST(test_query_many_records)
{
	static const uint8_t head[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0x0f, 0xa1,
					EXAMPLE_COM, 0, 1, 0, 1 };
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 10, 0, 0, 1 };
	static const uint8_t opt[] = { OPT(0x08, 0x00) };
	size_t len = sizeof(head) + 4000 * sizeof(rr) + sizeof(opt), i;
	uint8_t *buf = malloc(len);
	struct dns_query q;
	int rc;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, head, sizeof(head));
	for (i = 0; i < 4000; i++)
		memcpy(buf + sizeof(head) + i * sizeof(rr), rr, sizeof(rr));
	memcpy(buf + len - sizeof(opt), opt, sizeof(opt));
	rc = dns_parse_query(buf, len, &q);
	ck_assert_msg(rc == 0, "%s", dns_strerror(rc));
	ck_assert(q.has_opt);
	ck_assert_uint_eq(q.udp_size, 2048);
	ck_assert_int_eq(dns_parse_query(buf, len - 1, &q), DNS_ERR_SHORT);
	free(buf);
}
END_TEST

/* ------------------------------------------------------------------ names */

struct name_case {
	const char *what;
	const uint8_t *wire;
	size_t len;
	size_t off;
	int rc;
	const char *name; /* when rc == 0 */
	size_t end;       /* *off afterwards, when rc == 0 */
};

static const struct name_case names[] = {
	{ "plain", WIRE(H12, EXAMPLE_COM), 12, 0, "example.com", 25 },
	{ "root", WIRE(H12, 0), 12, 0, "", 13 },
	{ "uppercase is lowered", WIRE(H12, 3, 'W', 'W', 'W', 2, 'X', 'y', 0), 12, 0, "www.xy", 20 },
	{ "bytes other than dot and NUL kept", WIRE(H12, 3, 'a', ' ', 0xe9, 1, '-', 0), 12, 0,
	  "a \xe9.-", 19 },
	{ "at an offset, stops at its end", WIRE(H12, 0xff, 0xff, 1, 'a', 0, 0xff), 14, 0, "a", 17 },
	/* name @12, "www" @25, pointers @29 */
	{ "valid backward pointer", WIRE(H12, EXAMPLE_COM, 3, 'w', 'w', 'w', 0xc0, 12), 25, 0,
	  "www.example.com", 31 },
	{ "pointer into the middle of a name", WIRE(H12, EXAMPLE_COM, 3, 'w', 'w', 'w', 0xc0, 20),
	  25, 0, "www.com", 31 },
	{ "owner that is only a pointer", WIRE(H12, EXAMPLE_COM, 0xc0, 12), 25, 0, "example.com",
	  27 },
	{ "pointer to the root", WIRE(H12, 0, 0xc0, 12), 13, 0, "", 15 },
	/* "x" @12, "y" + pointer @15, pointer @19 */
	{ "two hops, each further back", WIRE(H12, 1, 'x', 0, 1, 'y', 0xc0, 12, 0xc0, 15), 19, 0,
	  "y.x", 21 },
	{ "pointer to itself", WIRE(H12, EXAMPLE_COM, 0xc0, 25), 25, DNS_ERR_NAME, NULL, 0 },
	{ "pointer to itself right after the header", WIRE(H12, 0xc0, 12), 12, DNS_ERR_NAME, NULL,
	  0 },
	{ "forward pointer", WIRE(H12, 0xc0, 14, EXAMPLE_COM), 12, DNS_ERR_NAME, NULL, 0 },
	{ "two-pointer loop, entered at the second", WIRE(H12, 0xc0, 14, 0xc0, 12), 14, DNS_ERR_NAME,
	  NULL, 0 },
	{ "two-pointer loop, entered at the first", WIRE(H12, 0xc0, 14, 0xc0, 12), 12, DNS_ERR_NAME,
	  NULL, 0 },
	/* Backwards from the pointer, but not from where the jump landed. */
	{ "label then pointer back to it", WIRE(H12, 3, 'a', 'b', 'c', 0xc0, 12), 12, DNS_ERR_NAME,
	  NULL, 0 },
	{ "loop through a label, entered at the pointer", WIRE(H12, 3, 'a', 'b', 'c', 0xc0, 12), 16,
	  DNS_ERR_NAME, NULL, 0 },
	/* Lands inside the "\2\300\014" label just read: only the stretch rule catches it. */
	{ "pointer into the stretch being read", WIRE(H12, 0, 2, 0xc0, 12, 0xc0, 14), 13,
	  DNS_ERR_NAME, NULL, 0 },
	/* The header holds no names: a compressed question would echo wrongly. */
	{ "pointer into the header", WIRE(0, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 0, 0xc0, 7), 12,
	  DNS_ERR_NAME, NULL, 0 },
	{ "pointer to offset 0", WIRE(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0), 12, DNS_ERR_NAME,
	  NULL, 0 },
	{ "label 64 (type 0x40)", WIRE(H12, 0x40, 'a', 0), 12, DNS_ERR_NAME, NULL, 0 },
	{ "label type 0x40 (EDNS0 extended)", WIRE(H12, 0x41, 'a', 0), 12, DNS_ERR_NAME, NULL, 0 },
	{ "label 127", WIRE(H12, 0x7f, 0), 12, DNS_ERR_NAME, NULL, 0 },
	{ "label type 0x80", WIRE(H12, 0x80, 0), 12, DNS_ERR_NAME, NULL, 0 },
	{ "label 191", WIRE(H12, 0xbf, 0), 12, DNS_ERR_NAME, NULL, 0 },
	{ "dot inside a label", WIRE(H12, 3, 'a', '.', 'b', 0), 12, DNS_ERR_NAME, NULL, 0 },
	{ "NUL inside a label", WIRE(H12, 3, 'a', 0, 'b', 0), 12, DNS_ERR_NAME, NULL, 0 },
	{ "nothing at the offset", WIRE(H12), 12, DNS_ERR_SHORT, NULL, 0 },
	{ "offset past the end", WIRE(H12, 0), 20, DNS_ERR_SHORT, NULL, 0 },
	{ "label cut short", WIRE(H12, 7, 'e', 'x', 'a'), 12, DNS_ERR_SHORT, NULL, 0 },
	{ "no terminating root", WIRE(H12, 1, 'a'), 12, DNS_ERR_SHORT, NULL, 0 },
	{ "half a pointer", WIRE(H12, 0, 0xc0), 13, DNS_ERR_SHORT, NULL, 0 },
	{ "pointer to a label running off the end", WIRE(H12, 5, 'a', 0xc0, 12), 14, DNS_ERR_SHORT,
	  NULL, 0 },
};

START_TEST(test_name_read)
{
	const struct name_case *c = &names[_i];
	char out[DNS_NAME_MAX + 1];
	size_t off = c->off;
	int rc = read_name_copy(c->wire, c->len, &off, out);

	ck_assert_msg(rc == c->rc, "%s: got %d, want %d", c->what, rc, c->rc);
	if (rc != 0)
		return;
	ck_assert_msg(strcmp(out, c->name) == 0, "%s: \"%s\"", c->what, out);
	ck_assert_msg(off == c->end, "%s: off %zu, want %zu", c->what, off, c->end);
}
END_TEST

/*
 * Labels of 63, 63, 63 and last_label: 3 * 64 + 1 + last_label + 1 wire
 * octets, so 61 makes 255 and 62 makes 256.
 */
static size_t long_name(uint8_t *wire, char *text, size_t last_label)
{
	size_t sizes[4] = { 63, 63, 63, last_label }, pos = 0, t = 0, i, j;

	for (i = 0; i < 4; i++) {
		wire[pos++] = (uint8_t)sizes[i];
		if (i > 0)
			text[t++] = '.';
		for (j = 0; j < sizes[i]; j++) {
			wire[pos++] = (uint8_t)('a' + i);
			text[t++] = (char)('a' + i);
		}
	}
	wire[pos++] = 0;
	text[t] = '\0';
	return pos;
}

START_TEST(test_name_255_octets)
{
	uint8_t wire[300];
	char text[300], out[DNS_NAME_MAX + 1];
	size_t len = long_name(wire, text, 61), off = 0;

	ck_assert_uint_eq(len, 255);
	ck_assert_uint_eq(strlen(text), 253);
	ck_assert_int_eq(read_name_copy(wire, len, &off, out), 0);
	ck_assert_str_eq(out, text);
	ck_assert_uint_eq(off, 255);
}
END_TEST

START_TEST(test_name_256_octets)
{
	uint8_t wire[300];
	char text[300], out[DNS_NAME_MAX + 1];
	size_t len = long_name(wire, text, 62), off = 0;

	ck_assert_uint_eq(len, 256);
	ck_assert_int_eq(read_name_copy(wire, len, &off, out), DNS_ERR_NAME);
}
END_TEST

/* 255 octets, of which 128 in front and the rest behind a pointer. */
START_TEST(test_name_256_octets_through_pointer)
{
	uint8_t wire[600];
	char text[300], out[DNS_NAME_MAX + 1];
	size_t len = long_name(wire, text, 62), off = len;

	/* "\077aaa...\077bbb..." again in front of a pointer to the third label */
	memcpy(wire + len, wire, 128);
	wire[len + 128] = 0xc0;
	wire[len + 129] = 128;
	ck_assert_int_eq(read_name_copy(wire, len + 130, &off, out), DNS_ERR_NAME);
	long_name(wire, text, 61); /* the first 128 bytes stay the same */
	off = len;
	ck_assert_int_eq(read_name_copy(wire, len + 130, &off, out), 0);
	ck_assert_str_eq(out, text);
	ck_assert_uint_eq(off, len + 130);
}
END_TEST

/* A header, "\1a\0", then n pointers, each to the one before; read from the last. */
static size_t pointer_chain(uint8_t *wire, int n)
{
	size_t pos;
	int i;

	memset(wire, 0, DNS_HEADER_LEN);
	wire[12] = 1;
	wire[13] = 'a';
	wire[14] = 0;
	for (i = 0, pos = 15; i < n; i++, pos += 2) {
		size_t target = i == 0 ? 12 : pos - 2;

		wire[pos] = (uint8_t)(0xc0 | target >> 8);
		wire[pos + 1] = (uint8_t)target;
	}
	return pos;
}

START_TEST(test_name_chain_at_cap)
{
	uint8_t wire[15 + 2 * (MAX_HOPS + 1)];
	char out[DNS_NAME_MAX + 1];
	size_t len = pointer_chain(wire, MAX_HOPS), off = len - 2;

	ck_assert_int_eq(read_name_copy(wire, len, &off, out), 0);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(off, len);
}
END_TEST

START_TEST(test_name_chain_over_cap)
{
	uint8_t wire[15 + 2 * (MAX_HOPS + 1)];
	char out[DNS_NAME_MAX + 1];
	size_t len = pointer_chain(wire, MAX_HOPS + 1), off = len - 2;

	ck_assert_int_eq(read_name_copy(wire, len, &off, out), DNS_ERR_NAME);
}
END_TEST

struct write_case {
	const char *what;
	const char *name;
	int rc;
	const uint8_t *wire; /* when rc > 0 */
	size_t len;
};

static const struct write_case writes[] = {
	{ "plain", "example.com", 13, WIRE(EXAMPLE_COM) },
	{ "final dot", "example.com.", 13, WIRE(EXAMPLE_COM) },
	{ "uppercase is lowered", "ExAmPlE.CoM", 13, WIRE(EXAMPLE_COM) },
	{ "root as empty", "", 1, WIRE(0) },
	{ "root as dot", ".", 1, WIRE(0) },
	{ "single label", "x", 3, WIRE(1, 'x', 0) },
	{ "leading dot", ".a", DNS_ERR_NAME, NULL, 0 },
	{ "empty label", "a..b", DNS_ERR_NAME, NULL, 0 },
	{ "two final dots", "a..", DNS_ERR_NAME, NULL, 0 },
	{ "label 64", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	  DNS_ERR_NAME, NULL, 0 },
};

START_TEST(test_name_write)
{
	const struct write_case *c = &writes[_i];
	uint8_t buf[300 + GUARD];
	int rc;

	memset(buf, CANARY, sizeof(buf));
	rc = dns_write_name(buf, 300, c->name);
	ck_assert_msg(rc == c->rc, "%s: got %d, want %d", c->what, rc, c->rc);
	if (rc < 0) {
		assert_untouched(buf, sizeof(buf), c->what);
		return;
	}
	assert_bytes_eq(buf, c->wire, c->len, c->what);
	assert_untouched(buf + c->len, sizeof(buf) - c->len, c->what);
}
END_TEST

START_TEST(test_name_write_caps)
{
	const struct write_case *c = &writes[_i];
	uint8_t buf[300 + GUARD];
	size_t cap;

	if (c->rc < 0)
		return;
	for (cap = 0; cap < c->len; cap++) {
		memset(buf, CANARY, sizeof(buf));
		ck_assert_int_eq(dns_write_name(buf, cap, c->name), DNS_ERR_SPACE);
		assert_untouched(buf, sizeof(buf), c->what);
	}
	memset(buf, CANARY, sizeof(buf));
	ck_assert_int_eq(dns_write_name(buf, cap, c->name), (int)c->len);
	assert_untouched(buf + cap, GUARD, c->what);
}
END_TEST

START_TEST(test_name_write_255_256)
{
	uint8_t want[300], buf[300];
	char text[300];
	size_t len = long_name(want, text, 61);

	ck_assert_int_eq(dns_write_name(buf, sizeof(buf), text), 255);
	assert_bytes_eq(buf, want, len, "255 octets");
	long_name(want, text, 62);
	ck_assert_int_eq(dns_write_name(buf, sizeof(buf), text), DNS_ERR_NAME);
}
END_TEST

/* ---------------------------------------------------------------- replies */

struct reply_case {
	const char *what;
	int query; /* index in queries[] */
	int rcode;
	const struct dns_answer *answers;
	size_t n;
	size_t max_len;
	const uint8_t *wire;
	size_t len;
};

static const struct dns_answer answer_a = { DNS_TYPE_A, 300, { 93, 184, 216, 34 }, NULL };
static const struct dns_answer answer_aaaa = { DNS_TYPE_AAAA, 5, { ADDR6_2001_DB8_1 }, NULL };
static const struct dns_answer answer_ptr = { DNS_TYPE_PTR, 5, { 0 }, "Example.COM" };
static const struct dns_answer answers_two[] = {
	{ DNS_TYPE_A, 1, { 10, 0, 0, 1 }, NULL },
	{ DNS_TYPE_A, 0x01020304, { 10, 0, 0, 2 }, NULL },
};
static struct dns_answer answers_40[40]; /* 40 A records, 640 bytes: filled by main */

static const struct reply_case replies[] = {
	{ "A answer", Q_A, DNS_RCODE_NOERROR, &answer_a, 1, 512,
	  WIRE(0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1, 0xc0, 0x0c,
	       0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 93, 184, 216, 34) },
	{ "AAAA answer, RD clear, question's case kept", Q_AAAA, DNS_RCODE_NOERROR, &answer_aaaa, 1,
	  512,
	  WIRE(0x00, 0x01, 0x80, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 3, 'W', 'w', 'W', 7, 'E', 'x', 'a',
	       'm', 'p', 'l', 'e', 3, 'O', 'r', 'G', 0, 0, 28, 0, 1, 0xc0, 0x0c, 0, 28, 0, 1, 0, 0,
	       0, 5, 0, 16, ADDR6_2001_DB8_1) },
	{ "PTR answer, target lowered, OPT", Q_PTR4, DNS_RCODE_NOERROR, &answer_ptr, 1, 512,
	  WIRE(0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1, 1, '4', 1, '3', 1, '2', 1, '1',
	       IN_ADDR_ARPA, 0, 12, 0, 1, 0xc0, 0x0c, 0, 12, 0, 1, 0, 0, 0, 5, 0, 13, EXAMPLE_COM,
	       OUR_OPT) },
	{ "two A answers", Q_A, DNS_RCODE_NOERROR, answers_two, 2, 512,
	  WIRE(0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1, 0xc0, 0x0c,
	       0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1, 1, 2, 3, 4, 0, 4,
	       10, 0, 0, 2) },
	{ "NXDOMAIN, no answers", Q_A, DNS_RCODE_NXDOMAIN, NULL, 0, 512,
	  WIRE(0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1) },
	{ "REFUSED, RD clear", Q_ANY, DNS_RCODE_REFUSED, NULL, 0, 512,
	  WIRE(0x00, 0x06, 0x80, 0x85, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 255, 0, 1) },
	{ "FORMERR with OPT", Q_MX, DNS_RCODE_FORMERR, NULL, 0, 1232,
	  WIRE(0x00, 0x02, 0x81, 0x81, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 15, 0, 1, OUR_OPT) },
	{ "OPT echoed, cookie and AD not", Q_A_EDNS, DNS_RCODE_NOERROR, NULL, 0, 4096,
	  WIRE(0xbe, 0xef, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0, 1, OUR_OPT) },
	{ "NOTIMP, opcode copied", Q_STATUS, DNS_RCODE_NOTIMP, NULL, 0, 512,
	  WIRE(0x00, 0x08, 0x91, 0x84, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1) },
	{ "40 A answers in 512: TC, no answers", Q_A, DNS_RCODE_NOERROR, answers_40, 40, 512,
	  WIRE(0x12, 0x34, 0x83, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1) },
	{ "40 A answers in 512 with OPT: TC, OPT kept", Q_A_EDNS, DNS_RCODE_NOERROR, answers_40, 40,
	  512,
	  WIRE(0xbe, 0xef, 0x83, 0x80, 0, 1, 0, 0, 0, 0, 0, 1, EXAMPLE_COM, 0, 1, 0, 1, OUR_OPT) },
	{ "A answer one byte over max_len: TC", Q_A, DNS_RCODE_NOERROR, &answer_a, 1, 44,
	  WIRE(0x12, 0x34, 0x83, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1) },
	{ "A answer exactly max_len", Q_A, DNS_RCODE_NOERROR, &answer_a, 1, 45,
	  WIRE(0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, EXAMPLE_COM, 0, 1, 0, 1, 0xc0, 0x0c,
	       0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 93, 184, 216, 34) },
	{ "root question, NOERROR", Q_ROOT, DNS_RCODE_NOERROR, NULL, 0, 512,
	  WIRE(0x00, 0x07, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1) },
};

static int build(const struct reply_case *c, uint8_t *out, size_t cap)
{
	const struct query_case *qc = &queries[c->query];
	struct dns_query q;

	ck_assert_int_eq(parse_copy(qc->wire, qc->len, &q), 0);
	return dns_build_reply(out, cap, qc->wire, &q, c->rcode, c->answers, c->n, c->max_len);
}

START_TEST(test_reply_exact)
{
	const struct reply_case *c = &replies[_i];
	uint8_t buf[1024 + GUARD];
	int rc;

	memset(buf, CANARY, sizeof(buf));
	rc = build(c, buf, 1024);
	ck_assert_msg(rc == (int)c->len, "%s: got %d, want %zu", c->what, rc, c->len);
	assert_bytes_eq(buf, c->wire, c->len, c->what);
	assert_untouched(buf + c->len, sizeof(buf) - c->len, c->what);
}
END_TEST

/* Every cap short of the reply: DNS_ERR_SPACE and not a byte written. */
START_TEST(test_reply_caps)
{
	const struct reply_case *c = &replies[_i];
	uint8_t buf[1024 + GUARD];
	size_t cap;

	for (cap = 0; cap < c->len; cap++) {
		memset(buf, CANARY, sizeof(buf));
		ck_assert_msg(build(c, buf, cap) == DNS_ERR_SPACE, "%s: cap %zu", c->what, cap);
		assert_untouched(buf, sizeof(buf), c->what);
	}
	memset(buf, CANARY, sizeof(buf));
	ck_assert_int_eq(build(c, buf, cap), (int)c->len);
	assert_untouched(buf + cap, GUARD, c->what);
}
END_TEST

/* The reply's question reads back as the query's. */
START_TEST(test_reply_question_reads_back)
{
	const struct reply_case *c = &replies[_i];
	uint8_t buf[1024];
	char name[DNS_NAME_MAX + 1];
	size_t off = DNS_HEADER_LEN;
	int rc = build(c, buf, sizeof(buf));

	ck_assert_int_gt(rc, 0);
	ck_assert_int_eq(read_name_copy(buf, (size_t)rc, &off, name), 0);
	ck_assert_str_eq(name, queries[c->query].name);
	ck_assert_uint_eq(off + 4, queries[c->query].question_end);
}
END_TEST

START_TEST(test_reply_40_fit_in_1232)
{
	const struct query_case *qc = &queries[Q_A];
	static const uint8_t last[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 39, 0, 4, 10, 1, 0, 39 };
	uint8_t buf[1232 + GUARD];
	struct dns_query q;
	int rc;

	memset(buf, CANARY, sizeof(buf));
	ck_assert_int_eq(parse_copy(qc->wire, qc->len, &q), 0);
	rc = dns_build_reply(buf, 1232, qc->wire, &q, 0, answers_40, 40, 1232);
	ck_assert_int_eq(rc, 29 + 40 * 16);
	ck_assert_uint_eq(buf[2], 0x81);
	ck_assert_uint_eq(buf[6], 0);
	ck_assert_uint_eq(buf[7], 40);
	assert_bytes_eq(buf + rc - 16, last, sizeof(last), "last answer");
	assert_untouched(buf + rc, sizeof(buf) - (size_t)rc, "40 answers");
}
END_TEST

/* Even without answers the reply would not fit what the requester can take. */
START_TEST(test_reply_max_len_below_question)
{
	const struct query_case *qc = &queries[Q_A];
	uint8_t buf[512 + GUARD];
	struct dns_query q;

	memset(buf, CANARY, sizeof(buf));
	ck_assert_int_eq(parse_copy(qc->wire, qc->len, &q), 0);
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, 0, &answer_a, 1, 28),
			 DNS_ERR_SPACE);
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, 0, NULL, 0, 0), DNS_ERR_SPACE);
	assert_untouched(buf, sizeof(buf), "max_len below question");
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, 0, &answer_a, 1, 29), 29);
	ck_assert_uint_eq(buf[2], 0x83);
}
END_TEST

START_TEST(test_reply_bad_arguments)
{
	const struct query_case *qc = &queries[Q_PTR4];
	static const struct dns_answer mx = { DNS_TYPE_MX, 5, { 0 }, NULL };
	static const struct dns_answer ptr_null = { DNS_TYPE_PTR, 5, { 0 }, NULL };
	static const struct dns_answer ptr_bad = { DNS_TYPE_PTR, 5, { 0 }, "a..b" };
	uint8_t buf[512 + GUARD];
	struct dns_query q;

	memset(buf, CANARY, sizeof(buf));
	ck_assert_int_eq(parse_copy(qc->wire, qc->len, &q), 0);
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, 16, NULL, 0, 512), DNS_ERR_FORMAT);
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, -1, NULL, 0, 512), DNS_ERR_FORMAT);
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, 0, &mx, 1, 512), DNS_ERR_FORMAT);
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, 0, &ptr_null, 1, 512), DNS_ERR_NAME);
	ck_assert_int_eq(dns_build_reply(buf, 512, qc->wire, &q, 0, &ptr_bad, 1, 512), DNS_ERR_NAME);
	assert_untouched(buf, sizeof(buf), "bad arguments");
}
END_TEST

/* --------------------------------------------------------- reverse names */

struct reverse_case {
	const char *name;
	int family;
	uint8_t addr[16];
};

static const struct reverse_case reverses[] = {
	{ "4.3.2.1.in-addr.arpa", AF_INET, { 1, 2, 3, 4 } },
	{ "0.0.0.0.in-addr.arpa", AF_INET, { 0, 0, 0, 0 } },
	{ "255.255.255.255.in-addr.arpa", AF_INET, { 255, 255, 255, 255 } },
	{ "10.2.0.198.in-addr.arpa", AF_INET, { 198, 0, 2, 10 } },
	{ "4.3.2.1.IN-ADDR.ARPA", AF_INET, { 1, 2, 3, 4 } },
	{ IP6_2001_DB8_1_NAME, AF_INET6, { ADDR6_2001_DB8_1 } },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA", AF_INET6,
	  { ADDR6_2001_DB8_1 } },
	{ "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.ip6.arpa", AF_INET6,
	  { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
	    0xef } },
	{ "3.2.1.in-addr.arpa", 0, { 0 } },
	{ "5.4.3.2.1.in-addr.arpa", 0, { 0 } },
	{ "256.0.0.0.in-addr.arpa", 0, { 0 } },
	{ "1000.0.0.0.in-addr.arpa", 0, { 0 } },
	{ "a.0.0.0.in-addr.arpa", 0, { 0 } },
	{ "01.0.0.0.in-addr.arpa", 0, { 0 } },
	{ "+1.0.0.0.in-addr.arpa", 0, { 0 } },
	{ "-1.0.0.0.in-addr.arpa", 0, { 0 } },
	{ " 1.0.0.0.in-addr.arpa", 0, { 0 } },
	{ "1 .0.0.0.in-addr.arpa", 0, { 0 } },
	{ "1..0.0.in-addr.arpa", 0, { 0 } },
	{ "1.0.0.0", 0, { 0 } },
	{ "1.0.0.0.in-addr", 0, { 0 } },
	{ "1.0.0.0.in-addr.arpa.", 0, { 0 } },
	{ "1.0.0.0.in-addr.arpa.com", 0, { 0 } },
	{ "1.0.0.0.ip6.arpa", 0, { 0 } },
	{ "in-addr.arpa", 0, { 0 } },
	{ "", 0, { 0 } },
	{ "example.com", 0, { 0 } },
	/* 31 and 33 nibbles, a two-digit label, a non-hex one, the old tree */
	{ "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 0, { 0 } },
	{ "1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 0, { 0 } },
	{ "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 0, { 0 } },
	{ "g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 0, { 0 } },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.int", 0, { 0 } },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2", 0, { 0 } },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.in-addr.arpa", 0, { 0 } },
	{ "ip6.arpa", 0, { 0 } },
};

START_TEST(test_reverse_name_addr)
{
	const struct reverse_case *c = &reverses[_i];
	uint8_t addr[16];
	int family;

	memset(addr, CANARY, sizeof(addr));
	family = dns_reverse_name_addr(c->name, addr);
	ck_assert_msg(family == c->family, "\"%s\": family %d, want %d", c->name, family,
		      c->family);
	if (family == AF_INET) {
		assert_bytes_eq(addr, c->addr, 4, c->name);
		assert_untouched(addr + 4, 12, c->name);
	} else if (family == AF_INET6) {
		assert_bytes_eq(addr, c->addr, 16, c->name);
	} else {
		assert_untouched(addr, sizeof(addr), c->name);
	}
}
END_TEST

/* The inverse gives the lowercase form, which reads back to the address. */
START_TEST(test_addr_reverse_name)
{
	static const struct {
		int family;
		uint8_t addr[16];
		const char *name;
	} cases[] = {
		{ AF_INET, { 1, 2, 3, 4 }, "4.3.2.1.in-addr.arpa" },
		{ AF_INET, { 0, 0, 0, 0 }, "0.0.0.0.in-addr.arpa" },
		{ AF_INET, { 198, 51, 100, 255 }, "255.100.51.198.in-addr.arpa" },
		{ AF_INET6, { ADDR6_2001_DB8_1 }, IP6_2001_DB8_1_NAME },
		{ AF_INET6,
		  { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
		    0xcd, 0xef },
		  "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.ip6.arpa" },
	};
	char out[DNS_NAME_MAX + 1];
	uint8_t back[16];
	size_t len = cases[_i].family == AF_INET ? 4 : 16;

	ck_assert_int_eq(dns_addr_reverse_name(cases[_i].family, cases[_i].addr, out), 0);
	ck_assert_str_eq(out, cases[_i].name);
	ck_assert_int_eq(dns_reverse_name_addr(out, back), cases[_i].family);
	assert_bytes_eq(back, cases[_i].addr, len, cases[_i].name);
}
END_TEST

START_TEST(test_addr_reverse_name_bad_family)
{
	static const uint8_t addr[16];
	char out[DNS_NAME_MAX + 1];

	ck_assert_int_lt(dns_addr_reverse_name(AF_UNIX, addr, out), 0);
	ck_assert_int_lt(dns_addr_reverse_name(0, addr, out), 0);
}
END_TEST

/* --------------------------------------------------------------- strerror */

START_TEST(test_strerror)
{
	static const int errs[] = { DNS_ERR_SHORT, DNS_ERR_NAME, DNS_ERR_FORMAT, DNS_ERR_SPACE };
	const char *unknown = dns_strerror(-99);
	size_t i, j;

	ck_assert_ptr_nonnull(unknown);
	for (i = 0; i < ARRAY_LEN(errs); i++) {
		ck_assert_ptr_nonnull(dns_strerror(errs[i]));
		ck_assert_str_ne(dns_strerror(errs[i]), unknown);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(dns_strerror(errs[i]), dns_strerror(errs[j]));
	}
}
END_TEST

/* ------------------------------------------------------------------ suite */

static void fill_answers_40(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(answers_40); i++) {
		answers_40[i].type = DNS_TYPE_A;
		answers_40[i].ttl = (uint32_t)i;
		answers_40[i].addr[0] = 10;
		answers_40[i].addr[1] = 1;
		answers_40[i].addr[2] = 0;
		answers_40[i].addr[3] = (uint8_t)i;
	}
}

/* ------------------------------------------------- replies from upstream */

/* The reply to queries[Q_A] with answer_a, as an upstream would send it. */
static int upstream_reply(uint8_t *out, size_t cap, struct dns_query *q)
{
	ck_assert_int_eq(parse_copy(queries[Q_A].wire, queries[Q_A].len, q), 0);
	return dns_build_reply(out, cap, queries[Q_A].wire, q, DNS_RCODE_NOERROR, &answer_a, 1, 512);
}

START_TEST(test_check_reply_fits)
{
	uint8_t buf[512];
	struct dns_query q;
	int len = upstream_reply(buf, sizeof(buf), &q);

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(dns_check_reply(buf, (size_t)len, &q, 512), len);
	ck_assert_int_eq(dns_check_reply(buf, (size_t)len, &q, (size_t)len), len);
}
END_TEST

START_TEST(test_check_reply_truncates)
{
	uint8_t buf[512];
	struct dns_query q;
	int len = upstream_reply(buf, sizeof(buf), &q);
	int cut = dns_check_reply(buf, (size_t)len, &q, (size_t)len - 1);

	ck_assert_int_eq(cut, (int)q.question_end);
	ck_assert(buf[2] & (DNS_FLAG_TC >> 8));
	for (int i = 6; i < 12; i++)
		ck_assert_int_eq(buf[i], 0);
	ck_assert_int_eq(buf[5], 1); /* the question stays */
}
END_TEST

START_TEST(test_check_reply_question_too_big)
{
	uint8_t buf[512];
	struct dns_query q;
	int len = upstream_reply(buf, sizeof(buf), &q);

	ck_assert_int_eq(dns_check_reply(buf, (size_t)len, &q, q.question_end - 1), DNS_ERR_SPACE);
}
END_TEST

/* Byte offset to corrupt, and the error that gives. */
static const struct {
	const char *what;
	size_t off;
	uint8_t value;
	int err;
} mismatches[] = {
	{ "another ID", 1, 0x35, DNS_ERR_FORMAT },
	{ "QR clear", 2, 0x01, DNS_ERR_FORMAT },
	{ "two questions", 5, 2, DNS_ERR_FORMAT },
	{ "another name", 13, 'x', DNS_ERR_FORMAT },
	{ "another type", 26, 28, DNS_ERR_FORMAT },
	{ "another class", 28, 3, DNS_ERR_FORMAT },
	{ "a bad label", 12, 0x80, DNS_ERR_NAME },
};

START_TEST(test_check_reply_mismatch)
{
	uint8_t buf[512];
	struct dns_query q;
	int len = upstream_reply(buf, sizeof(buf), &q);

	buf[mismatches[_i].off] = mismatches[_i].value;
	ck_assert_msg(dns_check_reply(buf, (size_t)len, &q, 512) == mismatches[_i].err, "%s",
		      mismatches[_i].what);
}
END_TEST

/* Every prefix: an error before the question ends, its own length after. */
START_TEST(test_check_reply_prefixes)
{
	uint8_t buf[512];
	struct dns_query q;
	int len = upstream_reply(buf, sizeof(buf), &q);

	for (int n = 0; n <= len; n++) {
		uint8_t *copy = dup_exact(buf, (size_t)n);
		int rc = dns_check_reply(copy, (size_t)n, &q, 512);

		if ((size_t)n < q.question_end)
			ck_assert_msg(rc < 0, "prefix %d: %d", n, rc);
		else
			ck_assert_int_eq(rc, n);
		free(copy);
	}
}
END_TEST

static Suite *dnsmsg_suite(void)
{
	Suite *s = suite_create("dnsmsg");
	TCase *tc;
	int nq = (int)ARRAY_LEN(queries);

	tc = tcase_create("query");
	tcase_add_loop_test(tc, test_query_parse, 0, nq);
	tcase_add_loop_test(tc, test_query_truncated, 0, nq);
	tcase_add_loop_test(tc, test_query_trailing_junk, 0, nq);
	tcase_add_loop_test(tc, test_query_qr_set, 0, nq);
	tcase_add_loop_test(tc, test_query_qdcount, 0, nq);
	tcase_add_loop_test(tc, test_query_bad, 0, (int)ARRAY_LEN(bad_queries));
	tcase_add_loop_test(tc, test_query_garbage, 0, 16);
	tcase_add_test(tc, test_query_then_junk_to_max);
	tcase_add_test(tc, test_query_many_records);
	suite_add_tcase(s, tc);

	tc = tcase_create("name");
	tcase_add_loop_test(tc, test_name_read, 0, (int)ARRAY_LEN(names));
	tcase_add_test(tc, test_name_255_octets);
	tcase_add_test(tc, test_name_256_octets);
	tcase_add_test(tc, test_name_256_octets_through_pointer);
	tcase_add_test(tc, test_name_chain_at_cap);
	tcase_add_test(tc, test_name_chain_over_cap);
	tcase_add_loop_test(tc, test_name_write, 0, (int)ARRAY_LEN(writes));
	tcase_add_loop_test(tc, test_name_write_caps, 0, (int)ARRAY_LEN(writes));
	tcase_add_test(tc, test_name_write_255_256);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, test_reply_exact, 0, (int)ARRAY_LEN(replies));
	tcase_add_loop_test(tc, test_reply_caps, 0, (int)ARRAY_LEN(replies));
	tcase_add_loop_test(tc, test_reply_question_reads_back, 0, (int)ARRAY_LEN(replies));
	tcase_add_test(tc, test_reply_40_fit_in_1232);
	tcase_add_test(tc, test_reply_max_len_below_question);
	tcase_add_test(tc, test_reply_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("upstream");
	tcase_add_test(tc, test_check_reply_fits);
	tcase_add_test(tc, test_check_reply_truncates);
	tcase_add_test(tc, test_check_reply_question_too_big);
	tcase_add_loop_test(tc, test_check_reply_mismatch, 0, (int)ARRAY_LEN(mismatches));
	tcase_add_test(tc, test_check_reply_prefixes);
	suite_add_tcase(s, tc);

	tc = tcase_create("reverse");
	tcase_add_loop_test(tc, test_reverse_name_addr, 0, (int)ARRAY_LEN(reverses));
	tcase_add_loop_test(tc, test_addr_reverse_name, 0, 5);
	tcase_add_test(tc, test_addr_reverse_name_bad_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("strerror");
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	fill_answers_40();
	return run_suite(dnsmsg_suite(), CK_FORK_GETENV);
}
