/*
 * Unit tests for proxy URL parsing (url_parse_proxy).
 *
 * Accepted URLs live in good[], rejected ones in bad[]; each table is run
 * by one Check loop test. Every rejected URL that carries a password uses
 * the text SECRET, and no error description may ever contain it.
 */
#include "url.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SECRET "s3cr3tPW"

/* ------------------------------------------------------------ accepted */

static const struct good_case {
	const char *text;
	const char *host;
	unsigned port;
	const char *user; /* NULL: no user */
	const char *pass; /* NULL: no password */
} good[] = {
	/* schemes: none, socks5, socks5h, in any case */
	{ "proxy.test", "proxy.test", 1080, NULL, NULL },
	{ "socks5://proxy.test", "proxy.test", 1080, NULL, NULL },
	{ "socks5h://proxy.test", "proxy.test", 1080, NULL, NULL },
	{ "SOCKS5://proxy.test", "proxy.test", 1080, NULL, NULL },
	{ "Socks5H://proxy.test", "proxy.test", 1080, NULL, NULL },
	{ "socks5://proxy.test/", "proxy.test", 1080, NULL, NULL },
	/* ports */
	{ "socks5://198.51.100.1:1081", "198.51.100.1", 1081, NULL, NULL },
	{ "198.51.100.1:1", "198.51.100.1", 1, NULL, NULL },
	{ "socks5h://proxy.test:65535", "proxy.test", 65535, NULL, NULL },
	{ "socks5://proxy.test:9050/", "proxy.test", 9050, NULL, NULL },
	/* IPv6 literals */
	{ "socks5://[2001:db8::1]", "2001:db8::1", 1080, NULL, NULL },
	{ "socks5://[2001:db8::1]:1090", "2001:db8::1", 1090, NULL, NULL },
	{ "[::1]:9050", "::1", 9050, NULL, NULL },
	{ "socks5://u:p@[::1]:1", "::1", 1, "u", "p" },
	/* credentials */
	{ "socks5://alice@proxy.test", "proxy.test", 1080, "alice", NULL },
	{ "socks5://alice:secret@proxy.test:1081", "proxy.test", 1081, "alice", "secret" },
	{ "alice:secret@proxy.test", "proxy.test", 1080, "alice", "secret" },
	{ "socks5://alice:@proxy.test", "proxy.test", 1080, "alice", "" },
	{ "socks5://a%40b:c%3Ad@proxy.test", "proxy.test", 1080, "a@b", "c:d" },
	{ "socks5://a%25b:100%25@proxy.test", "proxy.test", 1080, "a%b", "100%" },
	{ "socks5://%61%6c%69%63%65:%2f%2F@h", "h", 1080, "alice", "//" },
	{ "socks5://bob:p%40ss%40word@proxy.test", "proxy.test", 1080, "bob", "p@ss@word" },
	{ "socks5://bob:pa:ss@proxy.test", "proxy.test", 1080, "bob", "pa:ss" },
};

static void assert_good(const struct good_case *c)
{
	struct proxy_url u;
	const char *why = NULL;

	ck_assert_msg(url_parse_proxy(c->text, &u, &why), "%s: rejected (%s)", c->text,
		      why ? why : "no reason");
	ck_assert_msg(strcmp(u.host, c->host) == 0, "%s: host \"%s\", want \"%s\"", c->text,
		      u.host, c->host);
	ck_assert_msg(u.port == c->port, "%s: port %u, want %u", c->text, u.port, c->port);
	ck_assert_msg(u.has_user == (c->user != NULL), "%s: has_user %d", c->text, u.has_user);
	ck_assert_msg(u.has_pass == (c->pass != NULL), "%s: has_pass %d", c->text, u.has_pass);
	if (c->user != NULL) {
		ck_assert_msg(u.user_len == strlen(c->user), "%s: user_len %zu", c->text, u.user_len);
		ck_assert_msg(strcmp(u.user, c->user) == 0, "%s: user \"%s\"", c->text, u.user);
	}
	if (c->pass != NULL) {
		ck_assert_msg(u.pass_len == strlen(c->pass), "%s: pass_len %zu", c->text, u.pass_len);
		ck_assert_msg(strcmp(u.pass, c->pass) == 0, "%s: wrong password", c->text);
	}
}

START_TEST(test_good)
{
	assert_good(&good[_i]);
}
END_TEST

/* ------------------------------------------------------------ rejected */

static const struct bad_case {
	const char *text;
	const char *why_has; /* a word the description must contain */
} bad[] = {
	/* schemes */
	{ "http://proxy.test:3128", "scheme" },
	{ "https://u:" SECRET "@proxy.test", "scheme" },
	{ "socks4://proxy.test", "scheme" },
	{ "socks4a://u:" SECRET "@proxy.test", "scheme" },
	{ "socks://proxy.test", "scheme" },
	/* ports */
	{ "socks5://proxy.test:0", "port" },
	{ "socks5://u:" SECRET "@proxy.test:65536", "port" },
	{ "socks5://proxy.test:99999", "port" },
	{ "socks5://proxy.test:123456", "port" },
	{ "socks5://proxy.test:abc", "port" },
	{ "socks5://proxy.test:", "port" },
	{ "socks5://proxy.test:-1", "port" },
	{ "socks5://proxy.test:10 80", "port" },
	{ "socks5://[::1]:", "port" },
	{ "socks5://[::1]:0", "port" },
	/* hosts */
	{ "", "host" },
	{ "socks5://", "host" },
	{ "socks5://:1080", "host" },
	{ "socks5://u:" SECRET "@", "host" },
	{ "socks5://proxy.test/path", "host" },
	{ "socks5://[]:1080", "host" },
	/* IPv6 brackets */
	{ "socks5://[2001:db8::1", "unterminated" },
	{ "socks5://u:" SECRET "@[::1:1080", "unterminated" },
	{ "socks5://[::1]1080", "junk" },
	{ "socks5://[::1]x", "junk" },
	{ "socks5://u:" SECRET "@[::1]/1080", "junk" },
	/* user names */
	{ "socks5://@proxy.test", "username" },
	{ "socks5://:" SECRET "@proxy.test", "username" },
	{ "socks5://%4@proxy.test", "username" },
	{ "socks5://%zz:" SECRET "@proxy.test", "username" },
	{ "socks5://ab%@proxy.test", "username" },
	/* passwords */
	{ "socks5://u:" SECRET "%4@proxy.test", "password" },
	{ "socks5://u:" SECRET "%zz@proxy.test", "password" },
	{ "socks5://u:%g0" SECRET "@proxy.test", "password" },
	{ "socks5://u:" SECRET "%@proxy.test", "password" },
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad[_i];
	struct proxy_url u;
	const char *why = NULL;

	ck_assert_msg(!url_parse_proxy(c->text, &u, &why), "\"%s\": accepted", c->text);
	ck_assert_msg(why != NULL && why[0] != '\0', "\"%s\": no reason given", c->text);
	ck_assert_msg(strstr(why, c->why_has) != NULL, "\"%s\": reason \"%s\" lacks \"%s\"",
		      c->text, why, c->why_has);
	ck_assert_msg(strstr(why, SECRET) == NULL, "\"%s\": reason shows the password", c->text);
	if (c->text[0] != '\0')
		ck_assert_msg(strstr(why, c->text) == NULL, "\"%s\": reason copies the URL", c->text);
}
END_TEST

/* ------------------------------------------------- lengths and NUL bytes */

/* "socks5://" + user + ":" + pass + "@proxy.test", each field made of n
 * copies of unit (a byte or a %XX escape). */
static char *make_url(const char *user_unit, size_t user_n, const char *pass_unit, size_t pass_n)
{
	size_t cap = 64 + strlen(user_unit) * user_n + (pass_unit ? strlen(pass_unit) * pass_n : 0);
	char *s = malloc(cap), *p = s;

	ck_assert(s != NULL);
	p += sprintf(p, "socks5://");
	for (size_t i = 0; i < user_n; i++)
		p += sprintf(p, "%s", user_unit);
	if (pass_unit != NULL) {
		*p++ = ':';
		for (size_t i = 0; i < pass_n; i++)
			p += sprintf(p, "%s", pass_unit);
	}
	sprintf(p, "@proxy.test");
	return s;
}

static const struct length_case {
	const char *user_unit;
	size_t user_n;
	const char *pass_unit; /* NULL: no password */
	size_t pass_n;
	bool ok;
} lengths[] = {
	{ "u", 255, NULL, 0, true },
	{ "u", 256, NULL, 0, false },
	{ "%75", 255, NULL, 0, true }, /* decoded length counts */
	{ "%75", 256, NULL, 0, false },
	{ "u", 1, "p", 255, true },
	{ "u", 1, "p", 256, false },
	{ "u", 255, "%70", 255, true },
	{ "u", 1, "%70", 256, false },
};

START_TEST(test_lengths)
{
	const struct length_case *c = &lengths[_i];
	char *text = make_url(c->user_unit, c->user_n, c->pass_unit, c->pass_n);
	struct proxy_url u;
	const char *why = NULL;
	bool ok = url_parse_proxy(text, &u, &why);

	ck_assert_msg(ok == c->ok, "case %d (user %zu x \"%s\", pass %zu): ok=%d", _i, c->user_n,
		      c->user_unit, c->pass_n, ok);
	if (ok) {
		ck_assert_uint_eq(u.user_len, c->user_n);
		ck_assert_uint_eq(strlen(u.user), c->user_n);
		ck_assert_uint_eq(u.pass_len, c->pass_unit ? c->pass_n : 0);
		ck_assert_uint_eq(strlen(u.pass), u.pass_len);
	} else {
		ck_assert(why != NULL && why[0] != '\0');
	}
	free(text);
}
END_TEST

START_TEST(test_host_length)
{
	char text[300];
	struct proxy_url u;
	const char *why;

	memset(text, 'h', 255);
	text[255] = '\0';
	ck_assert(url_parse_proxy(text, &u, &why));
	ck_assert_uint_eq(strlen(u.host), 255);
	memset(text, 'h', 256);
	text[256] = '\0';
	ck_assert(!url_parse_proxy(text, &u, &why));
}
END_TEST

START_TEST(test_nul_bytes)
{
	struct proxy_url u;
	const char *why;

	ck_assert(url_parse_proxy("socks5://a%00b:x%00@proxy.test", &u, &why));
	ck_assert_uint_eq(u.user_len, 3);
	ck_assert_mem_eq(u.user, "a\0b", 3);
	ck_assert_uint_eq(u.pass_len, 2);
	ck_assert_mem_eq(u.pass, "x\0", 2);
}
END_TEST

/* A second parse into the same struct leaves nothing of the first. */
START_TEST(test_reuse_clears)
{
	struct proxy_url u;
	const char *why;

	ck_assert(url_parse_proxy("socks5://alice:pw@[::1]:99", &u, &why));
	ck_assert(url_parse_proxy("proxy.test", &u, &why));
	ck_assert(!u.has_user && !u.has_pass);
	ck_assert_uint_eq(u.user_len, 0);
	ck_assert_uint_eq(u.pass_len, 0);
	ck_assert_uint_eq(u.port, 1080);
	ck_assert_str_eq(u.host, "proxy.test");
}
END_TEST

static Suite *url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0, (int)ARRAY_LEN(good));
	tcase_add_loop_test(tc, test_bad, 0, (int)ARRAY_LEN(bad));
	tcase_add_loop_test(tc, test_lengths, 0, (int)ARRAY_LEN(lengths));
	tcase_add_test(tc, test_host_length);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_reuse_clears);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(url_suite(), CK_FORK_GETENV);
}
