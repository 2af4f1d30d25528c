/*
 * Unit tests for the socket address helpers: normalising (IPv4-mapped IPv6
 * is IPv4), conversion into a socket's family, comparison, formatting, and
 * CIDR parsing and matching. Addresses are built from text with inet_pton
 * (sa4/sa6 below), so every case reads as the address it is.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- helpers */

static struct sockaddr_storage sa4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	ck_assert_msg(inet_pton(AF_INET, ip, &in->sin_addr) == 1, "bad test address %s", ip);
	return ss;
}

static struct sockaddr_storage sa6(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	ck_assert_msg(inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1, "bad test address %s", ip);
	return ss;
}

/* Either family, by the text's shape. */
static struct sockaddr_storage sa(const char *ip, uint16_t port)
{
	return strchr(ip, ':') ? sa6(ip, port) : sa4(ip, port);
}

static void formatted_check(const struct sockaddr_storage *ss, const char *want)
{
	char out[ADDR_STRLEN];

	addr_format(ss, out);
	ck_assert_str_eq(out, want);
}

/* -------------------------------------------------------- addr_normalize */

static const struct norm_case {
	const char *ip;   /* input address (v4 or v6 text) */
	socklen_t len;    /* 0: the family's full length */
	bool ok;
	const char *want; /* addr_format of the result */
} norms[] = {
	{ "198.51.100.7", 0, true, "198.51.100.7:8080" },
	{ "2001:db8::7", 0, true, "[2001:db8::7]:8080" },
	{ "::ffff:198.51.100.7", 0, true, "198.51.100.7:8080" },
	{ "::ffff:0.0.0.0", 0, true, "0.0.0.0:8080" },
	{ "::1", 0, true, "[::1]:8080" },
	{ "::", 0, true, "[::]:8080" },
	{ "::198.51.100.7", 0, true, "[::198.51.100.7]:8080" }, /* v4-compatible: not mapped */
	{ "::fffe:198.51.100.7", 0, true, "[::fffe:c633:6407]:8080" },
	{ "198.51.100.7", sizeof(struct sockaddr_in) - 1, false, NULL },
	{ "198.51.100.7", 2, false, NULL },
	{ "2001:db8::7", sizeof(struct sockaddr_in6) - 1, false, NULL },
	{ "2001:db8::7", sizeof(struct sockaddr_in), false, NULL },
	{ "::ffff:198.51.100.7", sizeof(struct sockaddr_in), false, NULL },
	{ "198.51.100.7", sizeof(struct sockaddr_storage), true, "198.51.100.7:8080" },
};

START_TEST(test_normalize)
{
	const struct norm_case *c = &norms[_i];
	struct sockaddr_storage in = sa(c->ip, 8080), out;
	socklen_t len = c->len ? c->len : addr_len(&in);

	ck_assert_msg(addr_normalize((struct sockaddr *)&in, len, &out) == c->ok, "%s/%u", c->ip,
		      (unsigned)len);
	if (c->ok) {
		formatted_check(&out, c->want);
		ck_assert_uint_eq(addr_len(&out), out.ss_family == AF_INET ?
					  sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	}
}
END_TEST

START_TEST(test_normalize_other_families)
{
	struct sockaddr_storage ss, out;
	struct sockaddr_un *un = (struct sockaddr_un *)&ss;
	static const sa_family_t families[] = { AF_UNIX, AF_UNSPEC, AF_PACKET, AF_NETLINK };

	for (size_t i = 0; i < ARRAY_LEN(families); i++) {
		memset(&ss, 0, sizeof(ss));
		un->sun_family = families[i];
		ck_assert_msg(!addr_normalize((struct sockaddr *)&ss, sizeof(ss), &out),
			      "family %u accepted", families[i]);
	}
	ck_assert(!addr_normalize(NULL, sizeof(ss), &out));
}
END_TEST

/* The mapped address keeps its port; the scope and flow fields go. */
START_TEST(test_normalize_mapped_port)
{
	struct sockaddr_storage in = sa6("::ffff:203.0.113.9", 65535), out;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out;

	ck_assert(addr_normalize((struct sockaddr *)&in, sizeof(struct sockaddr_in6), &out));
	ck_assert_int_eq(v4->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(v4->sin_port), 65535);
	ck_assert_uint_eq(ntohl(v4->sin_addr.s_addr), 0xcb007109u);
	ck_assert_uint_eq(addr_len(&out), sizeof(struct sockaddr_in));
}
END_TEST

/* -------------------------------------------------------- addr_in_family */

static const struct family_case {
	const char *ip;
	int family;
	socklen_t want_len; /* 0: cannot be expressed */
	const char *want;
} families[] = {
	{ "198.51.100.7", AF_INET, sizeof(struct sockaddr_in), "198.51.100.7:53" },
	{ "198.51.100.7", AF_INET6, sizeof(struct sockaddr_in6), "[::ffff:198.51.100.7]:53" },
	{ "2001:db8::7", AF_INET6, sizeof(struct sockaddr_in6), "[2001:db8::7]:53" },
	{ "2001:db8::7", AF_INET, 0, NULL },
	{ "::1", AF_INET, 0, NULL },
	{ "198.51.100.7", AF_UNIX, 0, NULL },
};

START_TEST(test_in_family)
{
	const struct family_case *c = &families[_i];
	struct sockaddr_storage in = sa(c->ip, 53), out;
	socklen_t len = addr_in_family(&in, c->family, &out);

	ck_assert_msg(len == c->want_len, "%s into family %d: length %u", c->ip, c->family,
		      (unsigned)len);
	if (len != 0) {
		ck_assert_int_eq(out.ss_family, c->family);
		formatted_check(&out, c->want);
	}
}
END_TEST

/* Mapped back, the v4-mapped address normalises to the original. */
START_TEST(test_in_family_round_trip)
{
	struct sockaddr_storage in = sa4("203.0.113.200", 443), mapped, back;

	ck_assert(addr_in_family(&in, AF_INET6, &mapped) == sizeof(struct sockaddr_in6));
	ck_assert(addr_normalize((struct sockaddr *)&mapped, sizeof(struct sockaddr_in6), &back));
	ck_assert(addr_equal(&in, &back));
}
END_TEST

/* ------------------------------------------------------------ addr_equal */

static const struct equal_case {
	const char *a;
	uint16_t pa;
	const char *b;
	uint16_t pb;
	bool equal;
} equals[] = {
	{ "198.51.100.1", 80, "198.51.100.1", 80, true },
	{ "198.51.100.1", 80, "198.51.100.1", 81, false },
	{ "198.51.100.1", 80, "198.51.100.2", 80, false },
	{ "2001:db8::1", 80, "2001:db8::1", 80, true },
	{ "2001:db8::1", 80, "2001:db8:0:0:0:0:0:1", 80, true },
	{ "2001:db8::1", 80, "2001:db8::1", 443, false },
	{ "2001:db8::1", 80, "2001:db8::2", 80, false },
	{ "198.51.100.1", 80, "::ffff:198.51.100.1", 80, false }, /* not normalised */
	{ "0.0.0.0", 0, "::", 0, false },
};

START_TEST(test_equal)
{
	const struct equal_case *c = &equals[_i];
	struct sockaddr_storage a = sa(c->a, c->pa), b = sa(c->b, c->pb);

	ck_assert_msg(addr_equal(&a, &b) == c->equal, "%s:%u vs %s:%u", c->a, c->pa, c->b, c->pb);
	ck_assert_msg(addr_equal(&b, &a) == c->equal, "%s:%u vs %s:%u (swapped)", c->b, c->pb,
		      c->a, c->pa);
}
END_TEST

/* ----------------------------------------------------------- addr_format */

static const struct format_case {
	const char *ip;
	uint16_t port;
	const char *want;
} formats[] = {
	{ "198.51.100.1", 1080, "198.51.100.1:1080" },
	{ "0.0.0.0", 0, "0.0.0.0:0" },
	{ "255.255.255.255", 65535, "255.255.255.255:65535" },
	{ "2001:db8::1", 1080, "[2001:db8::1]:1080" },
	{ "::", 0, "[::]:0" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	{ "::ffff:198.51.100.1", 80, "[::ffff:198.51.100.1]:80" },
};

START_TEST(test_format)
{
	struct sockaddr_storage ss = sa(formats[_i].ip, formats[_i].port);

	formatted_check(&ss, formats[_i].want);
}
END_TEST

START_TEST(test_format_fits)
{
	char out[ADDR_STRLEN + 8];
	struct sockaddr_storage ss = sa6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);

	memset(out, 0x5a, sizeof(out));
	addr_format(&ss, out);
	ck_assert_uint_lt(strlen(out), ADDR_STRLEN);
	for (size_t i = ADDR_STRLEN; i < sizeof(out); i++)
		ck_assert_int_eq(out[i], 0x5a);
}
END_TEST

/* ------------------------------------------------------------ cidr_parse */

static const struct cidr_case {
	const char *text;
	bool ok;
	sa_family_t family;
	unsigned prefix;
	const char *net; /* the address bytes, as text */
} cidrs[] = {
	{ "198.51.100.1", true, AF_INET, 32, "198.51.100.1" },
	{ "198.51.100.0/24", true, AF_INET, 24, "198.51.100.0" },
	{ "0.0.0.0/0", true, AF_INET, 0, "0.0.0.0" },
	{ "198.0.0.0/8", true, AF_INET, 8, "198.0.0.0" },
	{ "198.1.2.3/32", true, AF_INET, 32, "198.1.2.3" },
	{ "2001:db8::1", true, AF_INET6, 128, "2001:db8::1" },
	{ "2001:db8::/64", true, AF_INET6, 64, "2001:db8::" },
	{ "2001:db8::1/128", true, AF_INET6, 128, "2001:db8::1" },
	{ "::/0", true, AF_INET6, 0, "::" },
	{ "[::1]", true, AF_INET6, 128, "::1" },
	{ "[2001:db8::]/32", true, AF_INET6, 32, "2001:db8::" },
	/* v4-mapped ranges are IPv4 ranges */
	{ "::ffff:0:0/96", true, AF_INET, 0, "0.0.0.0" },
	{ "::ffff:198.0.0.0/104", true, AF_INET, 8, "198.0.0.0" },
	{ "::ffff:198.51.100.1", true, AF_INET, 32, "198.51.100.1" },
	{ "[::ffff:198.51.100.0]/120", true, AF_INET, 24, "198.51.100.0" },
	/* rejected */
	{ "198.0.0.0/33", false, 0, 0, NULL },
	{ "198.0.0.0/100", false, 0, 0, NULL },
	{ "2001:db8::/129", false, 0, 0, NULL },
	{ "198.0.0.0/", false, 0, 0, NULL },
	{ "198.0.0.0/-1", false, 0, 0, NULL },
	{ "198.0.0.0/+8", false, 0, 0, NULL },
	{ "198.0.0.0/8x", false, 0, 0, NULL },
	{ "198.0.0.0/ 8", false, 0, 0, NULL },
	{ "198.0.0.0/8/8", false, 0, 0, NULL },
	{ "198.0.0.0/99999999999999999999999", false, 0, 0, NULL },
	{ "198.0.0", false, 0, 0, NULL },
	{ "256.0.0.1", false, 0, 0, NULL },
	{ "example.test", false, 0, 0, NULL },
	{ "garbage", false, 0, 0, NULL },
	{ "/8", false, 0, 0, NULL },
	{ "", false, 0, 0, NULL },
	{ " 198.0.0.1", false, 0, 0, NULL },
	{ "[::1", false, 0, 0, NULL },
	{ "::1]", false, 0, 0, NULL },
	{ "[]", false, 0, 0, NULL },
	{ "[::1/64]", false, 0, 0, NULL },
	{ "2001:db8:::1", false, 0, 0, NULL },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128/too-long-for-the-buffer", false, 0, 0, NULL },
};

START_TEST(test_cidr_parse)
{
	const struct cidr_case *c = &cidrs[_i];
	struct cidr got;
	uint8_t want[16] = { 0 };

	ck_assert_msg(cidr_parse(c->text, strlen(c->text), &got) == c->ok, "\"%s\"", c->text);
	if (!c->ok)
		return;
	ck_assert_msg(got.family == c->family, "\"%s\": family %u", c->text, got.family);
	ck_assert_msg(got.prefix == c->prefix, "\"%s\": prefix %u", c->text, got.prefix);
	ck_assert_int_eq(inet_pton(c->family, c->net, want), 1);
	ck_assert_msg(memcmp(got.bytes, want, c->family == AF_INET ? 4 : 16) == 0,
		      "\"%s\": wrong address bytes", c->text);
}
END_TEST

/* Only len bytes count: the text need not end there. */
START_TEST(test_cidr_parse_len)
{
	struct cidr got;
	const char *text = "198.0.0.0/8,203.0.113.0/24";

	ck_assert(cidr_parse(text, 11, &got));
	ck_assert_uint_eq(got.prefix, 8);
	ck_assert(!cidr_parse(text, 0, &got));
	ck_assert(!cidr_parse(text, strlen(text), &got));
}
END_TEST

/* ------------------------------------------------------------ cidr_match */

static const struct match_case {
	const char *cidr;
	const char *ip;
	bool match;
} matches[] = {
	{ "0.0.0.0/0", "255.255.255.255", true },
	{ "0.0.0.0/0", "::1", false }, /* family mismatch */
	{ "::/0", "198.51.100.1", false },
	{ "::/0", "2001:db8::1", true },
	{ "198.0.0.0/8", "198.255.255.255", true },
	{ "198.0.0.0/8", "199.0.0.0", false },
	{ "198.0.0.0/8", "197.255.255.255", false },
	/* /13: 198.0.0.0 - 198.7.255.255 */
	{ "198.0.0.0/13", "198.0.0.0", true },
	{ "198.0.0.0/13", "198.7.255.255", true },
	{ "198.0.0.0/13", "198.8.0.0", false },
	{ "198.8.0.0/13", "198.15.255.255", true },
	{ "198.8.0.0/13", "198.7.255.255", false },
	{ "198.8.0.0/13", "198.16.0.0", false },
	{ "198.9.9.9/13", "198.8.0.1", true }, /* host bits of the network ignored */
	{ "198.51.100.128/25", "198.51.100.128", true },
	{ "198.51.100.128/25", "198.51.100.127", false },
	{ "198.51.100.1/31", "198.51.100.0", true },
	{ "198.51.100.1/31", "198.51.100.2", false },
	{ "198.51.100.1/32", "198.51.100.1", true },
	{ "198.51.100.1/32", "198.51.100.0", false },
	{ "198.51.100.1", "198.51.100.2", false },
	/* /57: the first 7 bytes and the top bit of the 8th */
	{ "2001:db8:0:0::/57", "2001:db8:0:7f:ffff:ffff:ffff:ffff", true },
	{ "2001:db8:0:0::/57", "2001:db8:0:80::", false },
	{ "2001:db8:0:80::/57", "2001:db8:0:ff::1", true },
	{ "2001:db8:0:80::/57", "2001:db8:0:7f::1", false },
	{ "2001:db8:0:80::/57", "2001:db8:1:80::1", false },
	{ "2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff", true },
	{ "2001:db8::/64", "2001:db8:0:1::", false },
	{ "2001:db8::/127", "2001:db8::1", true },
	{ "2001:db8::/127", "2001:db8::2", false },
	{ "::1", "::1", true },
	{ "::1/128", "::2", false },
	/* v4-mapped range against (normalised) IPv4 addresses */
	{ "::ffff:0:0/96", "203.0.113.1", true },
	{ "::ffff:0:0/96", "2001:db8::1", false },
	{ "::ffff:198.0.0.0/104", "198.1.2.3", true },
	{ "::ffff:198.0.0.0/104", "199.1.2.3", false },
};

START_TEST(test_cidr_match)
{
	const struct match_case *c = &matches[_i];
	struct cidr net;
	struct sockaddr_storage ss = sa(c->ip, 1234);

	ck_assert_msg(cidr_parse(c->cidr, strlen(c->cidr), &net), "cannot parse %s", c->cidr);
	ck_assert_msg(cidr_match(&net, &ss) == c->match, "%s in %s: %d", c->ip, c->cidr,
		      !c->match);
}
END_TEST

/* Every prefix length of a v4 and a v6 network: the last address inside
 * matches, the first one after does not. */
START_TEST(test_cidr_match_every_prefix)
{
	const bool v6 = _i > 32;
	const unsigned prefix = v6 ? (unsigned)_i - 33 : (unsigned)_i;
	const unsigned bits = v6 ? 128 : 32;
	char text[64];
	struct cidr net;
	struct sockaddr_storage inside = v6 ? sa6("8000::", 0) : sa4("128.0.0.0", 0);
	struct sockaddr_storage outside;
	uint8_t *in_bytes, *out_bytes;

	if (prefix == 0 || prefix > bits)
		return;
	snprintf(text, sizeof(text), v6 ? "8000::/%u" : "128.0.0.0/%u", prefix);
	ck_assert(cidr_parse(text, strlen(text), &net));
	outside = inside;
	in_bytes = v6 ? ((struct sockaddr_in6 *)&inside)->sin6_addr.s6_addr
		      : (uint8_t *)&((struct sockaddr_in *)&inside)->sin_addr;
	out_bytes = v6 ? ((struct sockaddr_in6 *)&outside)->sin6_addr.s6_addr
		       : (uint8_t *)&((struct sockaddr_in *)&outside)->sin_addr;
	/* inside: every host bit set; outside: the last network bit flipped */
	for (unsigned b = prefix; b < bits; b++)
		in_bytes[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	out_bytes[(prefix - 1) / 8] ^= (uint8_t)(0x80 >> ((prefix - 1) % 8));
	ck_assert_msg(cidr_match(&net, &inside), "%s: last address not inside", text);
	ck_assert_msg(!cidr_match(&net, &outside), "%s: next network inside", text);
}
END_TEST

/* addr_parse: the text, and what addr_format gives back (NULL: refused). */
static const struct {
	const char *text;
	const char *formatted;
} parses[] = {
	{ "203.0.113.10", "203.0.113.10:53" },
	{ "203.0.113.10:5353", "203.0.113.10:5353" },
	{ "[2001:db8::1]:853", "[2001:db8::1]:853" },
	{ "[2001:db8::1]", "[2001:db8::1]:53" },
	{ "2001:db8::1", "[2001:db8::1]:53" },
	{ "::ffff:198.51.100.7", "198.51.100.7:53" },
	{ "[::ffff:198.51.100.7]:99", "198.51.100.7:99" },
	{ "203.0.113.10:0", NULL },
	{ "203.0.113.10:65536", NULL },
	{ "203.0.113.10:", NULL },
	{ "203.0.113.10:5x", NULL },
	{ "203.0.113.10:-1", NULL },
	{ "dns.example.test:53", NULL },
	{ "[2001:db8::1]x", NULL },
	{ "[2001:db8::1", NULL },
	{ "[]:53", NULL },
	{ ":53", NULL },
	{ "", NULL },
	{ "2001:db8:::1", NULL },
};

START_TEST(test_parse)
{
	struct sockaddr_storage ss;
	char text[ADDR_STRLEN];
	bool ok = addr_parse(parses[_i].text, 53, &ss);

	ck_assert_msg(ok == (parses[_i].formatted != NULL), "\"%s\"", parses[_i].text);
	if (!ok)
		return;
	addr_format(&ss, text);
	ck_assert_str_eq(text, parses[_i].formatted);
}
END_TEST

START_TEST(test_port)
{
	struct sockaddr_storage ss;

	ck_assert(addr_parse("203.0.113.10:5353", 53, &ss));
	ck_assert_uint_eq(addr_port(&ss), 5353);
	ck_assert(addr_parse("[2001:db8::1]:65535", 53, &ss));
	ck_assert_uint_eq(addr_port(&ss), 65535);
	ck_assert(addr_parse("2001:db8::1", 53, &ss));
	ck_assert_uint_eq(addr_port(&ss), 53);
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc_addr = tcase_create("sockaddr");
	TCase *tc_cidr = tcase_create("cidr");

	tcase_add_loop_test(tc_addr, test_normalize, 0, (int)ARRAY_LEN(norms));
	tcase_add_test(tc_addr, test_normalize_other_families);
	tcase_add_test(tc_addr, test_normalize_mapped_port);
	tcase_add_loop_test(tc_addr, test_in_family, 0, (int)ARRAY_LEN(families));
	tcase_add_test(tc_addr, test_in_family_round_trip);
	tcase_add_loop_test(tc_addr, test_equal, 0, (int)ARRAY_LEN(equals));
	tcase_add_loop_test(tc_addr, test_format, 0, (int)ARRAY_LEN(formats));
	tcase_add_test(tc_addr, test_format_fits);
	tcase_add_loop_test(tc_addr, test_parse, 0, (int)ARRAY_LEN(parses));
	tcase_add_test(tc_addr, test_port);
	suite_add_tcase(s, tc_addr);

	tcase_add_loop_test(tc_cidr, test_cidr_parse, 0, (int)ARRAY_LEN(cidrs));
	tcase_add_test(tc_cidr, test_cidr_parse_len);
	tcase_add_loop_test(tc_cidr, test_cidr_match, 0, (int)ARRAY_LEN(matches));
	tcase_add_loop_test(tc_cidr, test_cidr_match_every_prefix, 0, 33 + 129);
	suite_add_tcase(s, tc_cidr);
	return s;
}

int main(void)
{
	return run_suite(addr_suite(), CK_FORK_GETENV);
}
