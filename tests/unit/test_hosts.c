/*
 * Check suite for hosts.c: names and reverse lookups from a hosts file, the
 * snapshot's name index, when a changed file is seen, and this machine's
 * name.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hosts.h"
#include "suite.h"

static char path[] = "/tmp/socksify-test-hosts-XXXXXX";

static void write_hosts(void)
{
	static const char text[] =
		"# a comment line\n"
		"127.0.0.1\tlocalhost\n"
		"\n"
		"203.0.113.5   web.example.test web   # trailing comment\n"
		"2001:db8::5 six.example.test\n"
		"::ffff:198.51.100.9 mapped.example.test\n"
		"junk-without-address\n"
		"198.51.100.7\n";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
}

static void remove_hosts(void)
{
	unlink(path);
}

static struct sockaddr_storage v4(const char *text)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;

	in->sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, text, &in->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *text)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	in6->sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
	return ss;
}

static const struct {
	const char *name;
	bool listed;
} names[] = {
	{ "localhost", true },	       { "LOCALHOST", true },	 { "web.example.test", true },
	{ "web", true },	       { "six.example.test", true }, { "mapped.example.test", true },
	{ "a", false },		       { "comment", false },	 { "trailing", false },
	{ "junk-without-address", false },
	{ "example.test", false },
};

START_TEST(test_has_name)
{
	ck_assert_msg(hosts_has_name(path, names[_i].name) == names[_i].listed, "%s", names[_i].name);
}
END_TEST

START_TEST(test_name_of)
{
	char out[256];
	struct sockaddr_storage ss = v4("203.0.113.5");

	ck_assert(hosts_name_of(path, &ss, out, sizeof(out)));
	ck_assert_str_eq(out, "web.example.test");
	ss = v6("2001:db8::5");
	ck_assert(hosts_name_of(path, &ss, out, sizeof(out)));
	ck_assert_str_eq(out, "six.example.test");
	ss = v4("198.51.100.9"); /* listed v4-mapped */
	ck_assert(hosts_name_of(path, &ss, out, sizeof(out)));
	ck_assert_str_eq(out, "mapped.example.test");
	ss = v4("198.51.100.7"); /* an address without a name */
	ck_assert(!hosts_name_of(path, &ss, out, sizeof(out)));
	ss = v4("203.0.113.6");
	ck_assert(!hosts_name_of(path, &ss, out, sizeof(out)));
	ss = v4("203.0.113.5"); /* too small a buffer is no answer */
	ck_assert(!hosts_name_of(path, &ss, out, 5));
}
END_TEST

START_TEST(test_missing_file)
{
	struct sockaddr_storage ss = v4("127.0.0.1");
	char out[64];

	ck_assert(!hosts_has_name("/nonexistent/hosts", "localhost"));
	ck_assert(!hosts_name_of("/nonexistent/hosts", &ss, out, sizeof(out)));
}
END_TEST

/* A file of its own for a test that changes it; removed by the caller. */
static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_rewritten_file)
{
	char name[] = "/tmp/socksify-test-hosts-XXXXXX";

	close(mkstemp(name));
	hosts_set_recheck_ms(0);
	write_file(name, "203.0.113.1 first.test\n");
	ck_assert(hosts_has_name(name, "first.test"));
	write_file(name, "203.0.113.2 second.test other.test\n");
	ck_assert(hosts_has_name(name, "second.test"));
	ck_assert(!hosts_has_name(name, "first.test"));
	unlink(name);
	ck_assert(!hosts_has_name(name, "second.test"));
	write_file(name, "203.0.113.3 third.test\n");
	ck_assert(hosts_has_name(name, "third.test"));
	unlink(name);
}
END_TEST

/* Within the interval the snapshot answers without looking at the file. */
START_TEST(test_stale_within_interval)
{
	char name[] = "/tmp/socksify-test-hosts-XXXXXX";

	close(mkstemp(name));
	hosts_set_recheck_ms(60 * 1000);
	write_file(name, "203.0.113.1 first.test\n");
	ck_assert(hosts_has_name(name, "first.test"));
	write_file(name, "203.0.113.2 second.test\n");
	ck_assert(hosts_has_name(name, "first.test"));
	ck_assert(!hosts_has_name(name, "second.test"));
	hosts_set_recheck_ms(0);
	ck_assert(hosts_has_name(name, "second.test"));
	hosts_set_recheck_ms(HOSTS_RECHECK_MS);
	unlink(name);
}
END_TEST

/* Enough names for the index to grow and probe; every one found, without case. */
START_TEST(test_many_names)
{
	char name[] = "/tmp/socksify-test-hosts-XXXXXX";
	char *text = malloc(3000 * 48), *end = text, want[64];

	close(mkstemp(name));
	for (int i = 0; i < 3000; i++)
		end += sprintf(end, "198.51.100.%d host%d.many.test h%d\n", i % 250, i, i);
	write_file(name, text);
	free(text);
	for (int i = 0; i < 3000; i++) {
		sprintf(want, "HOST%d.Many.Test", i);
		ck_assert_msg(hosts_has_name(name, want), "%s", want);
		sprintf(want, "h%d", i);
		ck_assert_msg(hosts_has_name(name, want), "%s", want);
		sprintf(want, "host%d.many.tes", i);
		ck_assert_msg(!hosts_has_name(name, want), "%s", want);
	}
	ck_assert(!hosts_has_name(name, "h3000"));
	ck_assert(!hosts_has_name(name, "198.51.100.0"));
	unlink(name);
}
END_TEST

/* An ad-blocking hosts file of a few MiB: its names are used, not dropped. */
START_TEST(test_large_file)
{
	char name[] = "/tmp/socksify-test-hosts-XXXXXX";
	const int lines = 150000;
	char *text = malloc((size_t)lines * 40), *end = text;

	close(mkstemp(name));
	for (int i = 0; i < lines; i++)
		end += sprintf(end, "0.0.0.0 ad%d.tracker.test\n", i);
	ck_assert_uint_gt((size_t)(end - text), 4u << 20);
	write_file(name, text);
	free(text);
	ck_assert(hosts_has_name(name, "ad0.tracker.test"));
	ck_assert(hosts_has_name(name, "ad149999.tracker.test"));
	ck_assert(!hosts_has_name(name, "ad150000.tracker.test"));
	unlink(name);
}
END_TEST

START_TEST(test_own_name)
{
	char self[256] = { 0 }, other[300];

	ck_assert_int_eq(gethostname(self, sizeof(self) - 1), 0);
	ck_assert(hosts_is_own_name(self));
	for (char *c = self; *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	ck_assert(hosts_is_own_name(self));
	snprintf(other, sizeof(other), "%sx", self);
	ck_assert(!hosts_is_own_name(other));
	ck_assert(!hosts_is_own_name(self + 1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hosts");
	TCase *tc = tcase_create("hosts");

	tcase_add_unchecked_fixture(tc, write_hosts, remove_hosts);
	tcase_add_loop_test(tc, test_has_name, 0, sizeof(names) / sizeof(names[0]));
	tcase_add_test(tc, test_name_of);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_rewritten_file);
	tcase_add_test(tc, test_stale_within_interval);
	tcase_add_test(tc, test_many_names);
	tcase_add_test(tc, test_large_file);
	tcase_add_test(tc, test_own_name);
	suite_add_tcase(s, tc);
	return run_suite(s, CK_FORK_GETENV);
}
