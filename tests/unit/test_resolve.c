/* Check suite for resolve.c: name normalisation and the sources tried in order. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "resolve.h"
#include "suite.h"

static const struct {
	const char *in;
	const char *out; /* NULL: invalid */
} norm_cases[] = {
	{ "www.Example.TEST", "www.example.test" },
	{ "www.example.test.", "www.example.test" },
	{ "a", "a" },
	{ "a.", "a" },
	{ "xn--bcher-kva.test", "xn--bcher-kva.test" },
	{ "", NULL },
	{ ".", NULL },
	{ "a..b", NULL },
	{ ".a", NULL },
	{ "a.b..", NULL },
	{ "a..", NULL },
	{ "..", NULL },
	{ "a...b", NULL },
	{ "ab.cd..", NULL },
	/* Lowercasing goes eight bytes at a time: names across that width. */
	{ "ABCDEFGH", "abcdefgh" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ.Test", "abcdefghijklmnopqrstuvwxyz.test" },
	/* The bytes next to 'A'..'Z' and 'a'..'z', and UTF-8, stay as they are. */
	{ "@AZ[`az{.x", "@az[`az{.x" },
	{ "\xc3\x84\xc3\xa4-MIXED.\xda\x80\xff.test", "\xc3\x84\xc3\xa4-mixed.\xda\x80\xff.test" },
};

START_TEST(test_normalize)
{
	char out[256];
	size_t len = 0;
	bool ok = name_normalize(norm_cases[_i].in, out, &len);

	ck_assert_msg(ok == (norm_cases[_i].out != NULL), "%s", norm_cases[_i].in);
	if (ok) {
		ck_assert_str_eq(out, norm_cases[_i].out);
		ck_assert_uint_eq(len, strlen(norm_cases[_i].out));
	}
}
END_TEST

START_TEST(test_normalize_lengths)
{
	char in[300], out[256];
	size_t len;

	memset(in, 'a', sizeof(in));
	in[255] = '\0';
	ck_assert(name_normalize(in, out, &len));
	ck_assert_uint_eq(len, 255);
	in[255] = '.'; /* 255 bytes plus the one trailing dot */
	in[256] = '\0';
	ck_assert(name_normalize(in, out, &len));
	in[255] = 'a';
	ck_assert(!name_normalize(in, out, &len));
}
END_TEST

static const struct {
	const char *patterns;
	const char *name;
	enum name_source source;
} source_cases[] = {
	{ "", "localhost", SOURCE_HOSTS },
	{ "", "db.localhost", SOURCE_HOSTS },
	{ "", "notlocalhost", SOURCE_FAKE },
	{ "", "www.example.test", SOURCE_FAKE },
	{ "localhost", "localhost", SOURCE_HOSTS }, /* localhost before patterns */
	{ "intranet", "intranet", SOURCE_DIRECT },
	{ "intranet", "intranet.corp", SOURCE_FAKE },
	{ "*.corp.example", "a.corp.example", SOURCE_DIRECT },
	{ "*.corp.example", "a.b.corp.example", SOURCE_DIRECT },
	{ "*.corp.example", "corp.example", SOURCE_FAKE },
	{ "*.corp.example", "xcorp.example", SOURCE_FAKE },
	{ ".corp.example", "corp.example", SOURCE_DIRECT },
	{ ".corp.example", "a.corp.example", SOURCE_DIRECT },
	{ ".corp.example", "xcorp.example", SOURCE_FAKE },
	{ "a.test, *.corp.example ,intranet", "intranet", SOURCE_DIRECT },
	{ "a.test,*.corp.example,intranet", "b.corp.example", SOURCE_DIRECT },
	{ "a.test,*.corp.example,intranet", "b.test", SOURCE_FAKE },
	{ "INTRANET", "intranet", SOURCE_DIRECT },
};

START_TEST(test_source)
{
	struct config cfg;

	config_defaults(&cfg);
	ck_assert(config_set(&cfg, "direct_hosts", source_cases[_i].patterns, "test"));
	ck_assert_msg(name_source(&cfg, source_cases[_i].name) == source_cases[_i].source, "%s in %s",
		      source_cases[_i].name, source_cases[_i].patterns);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("names");

	tcase_add_loop_test(tc, test_normalize, 0, sizeof(norm_cases) / sizeof(norm_cases[0]));
	tcase_add_test(tc, test_normalize_lengths);
	tcase_add_loop_test(tc, test_source, 0, sizeof(source_cases) / sizeof(source_cases[0]));
	suite_add_tcase(s, tc);
	return run_suite(s, CK_FORK_GETENV);
}
