/* Check suite for nameserver.c: resolv.conf lines and what counts as a nameserver. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "nameserver.h"
#include "suite.h"

static const char resolv_conf[] =
	"# generated\n"
	"search example.test\n"
	"nameserver 198.51.100.53\n"
	"nameserver\t127.0.0.53  # the stub\n"
	"nameserver 2001:db8::53\n"
	"nameserver fe80::1%eth0\n"
	"nameserver ::ffff:203.0.113.53\n"
	"nameserver 198.51.100.54;comment\n"
	"nameserver\n"
	"nameserver not-an-address\n"
	"nameserver [2001:db8::54]:53\n"
	"nameserver 198.51.100.55:53\n"
	"nameservers 198.51.100.56\n"
	" nameserver 198.51.100.57\n"
	"options ndots:1\n"
	"nameserver 198.51.100.58\r\n"
	"nameserver 198.51.100.59";

static const char *const expected[] = {
	"198.51.100.53:53", "127.0.0.53:53", "[2001:db8::53]:53", "[fe80::1]:53",
	"203.0.113.53:53",  "198.51.100.54:53", "198.51.100.58:53", "198.51.100.59:53",
};

START_TEST(test_parse)
{
	struct sockaddr_storage ns[NAMESERVER_MAX + 2];
	char text[ADDR_STRLEN];
	size_t n = nameserver_parse(resolv_conf, ns, sizeof(ns) / sizeof(ns[0]));

	ck_assert_uint_eq(n, sizeof(expected) / sizeof(expected[0]));
	for (size_t i = 0; i < n; i++) {
		addr_format(&ns[i], text);
		ck_assert_str_eq(text, expected[i]);
	}
}
END_TEST

START_TEST(test_parse_max)
{
	struct sockaddr_storage ns[2];

	ck_assert_uint_eq(nameserver_parse(resolv_conf, ns, 2), 2);
	ck_assert_uint_eq(nameserver_parse("", ns, 2), 0);
	ck_assert_uint_eq(nameserver_parse("\n\n", ns, 2), 0);
}
END_TEST

static const struct {
	const char *addr;
	bool is;
} loopbacks[] = {
	{ "127.0.0.53:53", true }, { "127.0.0.1:53", true },   { "127.255.0.9:53", true },
	{ "[::1]:53", true },      { "[::ffff:127.0.0.53]:53", true },
	{ "127.0.0.53:5353", false }, { "[::1]:54", false }, { "[::2]:53", false },
};

START_TEST(test_loopback_port_53)
{
	struct sockaddr_storage ss;

	ck_assert(addr_parse(loopbacks[_i].addr, 53, &ss));
	ck_assert_msg(nameserver_is(&ss) == loopbacks[_i].is, "%s", loopbacks[_i].addr);
}
END_TEST

START_TEST(test_other_families)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNIX };

	ck_assert(!nameserver_is(&ss));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nameserver");
	TCase *tc = tcase_create("nameserver");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_parse_max);
	tcase_add_loop_test(tc, test_loopback_port_53, 0, sizeof(loopbacks) / sizeof(loopbacks[0]));
	tcase_add_test(tc, test_other_families);
	suite_add_tcase(s, tc);
	return run_suite(s, CK_FORK_GETENV);
}
