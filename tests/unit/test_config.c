/*
 * Unit tests for the configuration: defaults, every key of config_set with
 * good and bad values, the config file syntax (config_parse_text), and
 * config_load's sources (SOCKSIFY_CONF, $XDG_CONFIG_HOME, $HOME, SOCKSIFY_*).
 *
 * Every test starts from a clean environment (no SOCKSIFY_* variables,
 * HOME and XDG_CONFIG_HOME pointing at empty directories under a private
 * temporary directory), so the machine's own configuration never shows.
 *
 * Table values may name generated inputs: "@name" is the file tmp/name
 * (written by the fixture), "*N" is N bytes of 'x'.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SECRET "hunter2-s3cr3t"
#define VALUE_MAX PATH_MAX

static char tmp[256]; /* the private temporary directory */

extern char **environ;

/* ------------------------------------------------------------- helpers */

static const char *path_in(const char *name, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s/%s", tmp, name);
	return out;
}

static void write_file(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f = fopen(path_in(name, path), "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_text(const char *name, const char *text)
{
	write_file(name, text, strlen(text));
}

static void make_dir(const char *name)
{
	char path[PATH_MAX];

	ck_assert_msg(mkdir(path_in(name, path), 0700) == 0 || errno == EEXIST, "%s: %s", path,
		      strerror(errno));
}

static void set_env(const char *name, const char *value)
{
	ck_assert_int_eq(setenv(name, value, 1), 0);
}

/* Expands the "@name" and "*N" forms (see the top of the file). */
static const char *expand(const char *value, char out[VALUE_MAX])
{
	if (value[0] == '@')
		return path_in(value + 1, out);
	if (value[0] == '*') {
		size_t n = strtoul(value + 1, NULL, 10);
		ck_assert_uint_lt(n, VALUE_MAX);
		memset(out, 'x', n);
		out[n] = '\0';
		return out;
	}
	return value;
}

/* Removes every SOCKSIFY_* variable. */
static void clear_socksify_env(void)
{
	for (bool again = true; again;) {
		again = false;
		for (char **e = environ; *e != NULL; e++) {
			if (strncmp(*e, "SOCKSIFY_", 9) == 0) {
				char name[256];
				size_t n = strcspn(*e, "=");
				snprintf(name, sizeof(name), "%.*s", (int)n, *e);
				unsetenv(name);
				again = true;
				break;
			}
		}
	}
}

/* ------------------------------------------------------------- fixture */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Also right when Check does not fork (CK_FORK=no): nothing survives a test. */
static void setup(void)
{
	char path[PATH_MAX];

	clear_socksify_env();
	nftw(path_in("home", path), remove_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(path_in("xdg", path), remove_one, 16, FTW_DEPTH | FTW_PHYS);
	make_dir("home");
	make_dir("xdg");
	set_env("HOME", path_in("home", path));
	set_env("XDG_CONFIG_HOME", path_in("xdg", path));

	write_text("pw_lf", SECRET "\nsecond line\n");
	write_text("pw_crlf", SECRET "\r\nsecond line\r\n");
	write_text("pw_nonl", SECRET);
	write_text("pw_empty", "");
	write_text("pw_blank_first", "\n" SECRET "\n");
	char long_pw[301];
	memset(long_pw, 's', 300);
	long_pw[300] = '\0';
	write_text("pw_long", long_pw);
	make_dir("a_dir");
}

/* ------------------------------------------------------------ defaults */

START_TEST(test_defaults)
{
	struct config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	config_defaults(&cfg);
	ck_assert_int_eq(cfg.timeout_ms, 10000);
	ck_assert_int_eq(cfg.timeout_ms, CONFIG_DEFAULT_TIMEOUT_MS);
	ck_assert_int_eq(cfg.log_level, LOG_WARN);
	ck_assert(!cfg.has_proxy && !cfg.has_user && !cfg.has_pass);
	ck_assert_str_eq(cfg.error, "");
	ck_assert_str_eq(cfg.log_file, "");
	ck_assert(cfg.dns_intercept);
	ck_assert_int_eq(cfg.dns_upstream.ss_family, 0);
	ck_assert_uint_eq(cfg.ndirect, 2);
	ck_assert_int_eq(cfg.direct[0].family, AF_INET);
	ck_assert_uint_eq(cfg.direct[0].prefix, 8);
	ck_assert_mem_eq(cfg.direct[0].bytes, ((uint8_t[]){ 127, 0, 0, 0 }), 4);
	ck_assert_int_eq(cfg.direct[1].family, AF_INET6);
	ck_assert_uint_eq(cfg.direct[1].prefix, 128);
	ck_assert_mem_eq(cfg.direct[1].bytes,
			 ((uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }), 16);
}
END_TEST

/* ----------------------------------------------------------- config_set */

enum field { F_NONE, F_PROXY, F_USER, F_PASS, F_DIRECT, F_TIMEOUT, F_LOG, F_LOG_FILE, F_DNS_INTERCEPT,
	     F_DNS_UPSTREAM };

static const struct set_case {
	const char *key;
	const char *value;
	bool ok;
	enum field field;
	const char *want_str; /* proxy host, user, password, log file */
	long want_num;        /* proxy port, entries, ms, level, string length */
} sets[] = {
	{ "proxy", "socks5://proxy.test", true, F_PROXY, "proxy.test", 1080 },
	{ "proxy", "socks5h://[2001:db8::1]:1081", true, F_PROXY, "2001:db8::1", 1081 },
	{ "proxy", "socks5://alice:" SECRET "@proxy.test:9050", true, F_PROXY, "proxy.test", 9050 },
	{ "proxy", "http://proxy.test", false, F_NONE, NULL, 0 },
	{ "proxy", "socks5://u:" SECRET "@proxy.test:0", false, F_NONE, NULL, 0 },
	{ "proxy", "", false, F_NONE, NULL, 0 },

	{ "user", "bob", true, F_USER, "bob", 3 },
	{ "user", "*255", true, F_USER, NULL, 255 },
	{ "user", "*256", false, F_NONE, NULL, 0 },
	{ "user", "", false, F_NONE, NULL, 0 },

	{ "password", SECRET, true, F_PASS, SECRET, sizeof(SECRET) - 1 },
	{ "password", "", true, F_PASS, "", 0 },
	{ "password", "*255", true, F_PASS, NULL, 255 },
	{ "password", "*256", false, F_NONE, NULL, 0 },

	{ "password_file", "@pw_lf", true, F_PASS, SECRET, sizeof(SECRET) - 1 },
	{ "password_file", "@pw_crlf", true, F_PASS, SECRET, sizeof(SECRET) - 1 },
	{ "password_file", "@pw_nonl", true, F_PASS, SECRET, sizeof(SECRET) - 1 },
	{ "password_file", "@pw_empty", true, F_PASS, "", 0 },
	{ "password_file", "@pw_blank_first", true, F_PASS, "", 0 },
	{ "password_file", "@pw_long", false, F_NONE, NULL, 0 },
	{ "password_file", "@no_such_file", false, F_NONE, NULL, 0 },
	{ "password_file", "@a_dir", false, F_NONE, NULL, 0 },
	{ "password_file", "", false, F_NONE, NULL, 0 },

	{ "direct", "none", true, F_DIRECT, NULL, 0 },
	{ "direct", "198.0.0.0/8", true, F_DIRECT, NULL, 1 },
	{ "direct", "198.0.0.0/8, ::1 ,\t198.51.100.7", true, F_DIRECT, NULL, 3 },
	{ "direct", "[2001:db8::]/32,::ffff:0:0/96", true, F_DIRECT, NULL, 2 },
	{ "direct", "", false, F_NONE, NULL, 0 },
	{ "direct", "198.0.0.0/33", false, F_NONE, NULL, 0 },
	{ "direct", "198.0.0.0/8,,::1", false, F_NONE, NULL, 0 },
	{ "direct", "example.test", false, F_NONE, NULL, 0 },
	{ "direct", "NONE,198.0.0.0/8", false, F_NONE, NULL, 0 },

	{ "timeout", "2.5", true, F_TIMEOUT, NULL, 2500 },
	{ "timeout", "10", true, F_TIMEOUT, NULL, 10000 },
	{ "timeout", "0.001", true, F_TIMEOUT, NULL, 1 },
	{ "timeout", "3600", true, F_TIMEOUT, NULL, 3600000 },
	{ "timeout", "0", false, F_NONE, NULL, 0 },
	{ "timeout", "-1", false, F_NONE, NULL, 0 },
	{ "timeout", "abc", false, F_NONE, NULL, 0 },
	{ "timeout", "3601", false, F_NONE, NULL, 0 },
	{ "timeout", "", false, F_NONE, NULL, 0 },
	{ "timeout", "2.5s", false, F_NONE, NULL, 0 },
	{ "timeout", "nan", false, F_NONE, NULL, 0 },
	{ "timeout", "inf", false, F_NONE, NULL, 0 },
	{ "timeout", "0.0001", false, F_NONE, NULL, 0 },

	{ "log", "silent", true, F_LOG, NULL, LOG_SILENT },
	{ "log", "error", true, F_LOG, NULL, LOG_ERROR },
	{ "log", "warn", true, F_LOG, NULL, LOG_WARN },
	{ "log", "info", true, F_LOG, NULL, LOG_INFO },
	{ "log", "debug", true, F_LOG, NULL, LOG_DEBUG },
	{ "log", "DEBUG", true, F_LOG, NULL, LOG_DEBUG },
	{ "log", "0", true, F_LOG, NULL, LOG_SILENT },
	{ "log", "1", true, F_LOG, NULL, LOG_ERROR },
	{ "log", "2", true, F_LOG, NULL, LOG_WARN },
	{ "log", "3", true, F_LOG, NULL, LOG_INFO },
	{ "log", "4", true, F_LOG, NULL, LOG_DEBUG },
	{ "log", "5", false, F_NONE, NULL, 0 },
	{ "log", "-1", false, F_NONE, NULL, 0 },
	{ "log", "01", false, F_NONE, NULL, 0 },
	{ "log", "verbose", false, F_NONE, NULL, 0 },
	{ "log", "", false, F_NONE, NULL, 0 },

	{ "log_file", "/tmp/socksify-test.log", true, F_LOG_FILE, "/tmp/socksify-test.log", 0 },
	{ "log_file", "", false, F_NONE, NULL, 0 },

	{ "dns_intercept", "off", true, F_DNS_INTERCEPT, NULL, 0 },
	{ "dns_intercept", "on", true, F_DNS_INTERCEPT, NULL, 1 },
	{ "dns_intercept", "maybe", false, F_NONE, NULL, 0 },
	{ "dns_upstream", "203.0.113.10", true, F_DNS_UPSTREAM, "203.0.113.10:53", 0 },
	{ "dns_upstream", "[2001:db8::53]:5353", true, F_DNS_UPSTREAM, "[2001:db8::53]:5353", 0 },
	{ "dns_upstream", "none", true, F_DNS_UPSTREAM, "", 0 },
	{ "dns_upstream", "", true, F_DNS_UPSTREAM, "", 0 },
	{ "dns_upstream", "dns.example.test", false, F_NONE, NULL, 0 },
	{ "dns_upstream", "198.51.100.9:0", false, F_NONE, NULL, 0 },

	{ "no_such_key", "1", false, F_NONE, NULL, 0 },
	{ "Proxy", "socks5://proxy.test", false, F_NONE, NULL, 0 },
	{ "", "1", false, F_NONE, NULL, 0 },
};

static void check_upstream(const struct config *cfg, const char *want)
{
	char text[ADDR_STRLEN];

	if (want[0] == '\0') {
		ck_assert_int_eq(cfg->dns_upstream.ss_family, 0);
		return;
	}
	addr_format(&cfg->dns_upstream, text);
	ck_assert_str_eq(text, want);
}

static void check_field(const struct set_case *c, const struct config *cfg, const char *value)
{
	switch (c->field) {
	case F_NONE:
		break;
	case F_PROXY:
		ck_assert(cfg->has_proxy);
		ck_assert_str_eq(cfg->proxy_host, c->want_str);
		ck_assert_int_eq(cfg->proxy_port, c->want_num);
		break;
	case F_USER:
		ck_assert(cfg->has_user);
		ck_assert_uint_eq(cfg->user_len, (size_t)c->want_num);
		ck_assert_str_eq(cfg->user, c->want_str ? c->want_str : value);
		break;
	case F_PASS:
		ck_assert(cfg->has_pass);
		ck_assert_uint_eq(cfg->pass_len, (size_t)c->want_num);
		ck_assert_str_eq(cfg->pass, c->want_str ? c->want_str : value);
		break;
	case F_DIRECT:
		ck_assert_uint_eq(cfg->ndirect, (size_t)c->want_num);
		break;
	case F_TIMEOUT:
		ck_assert_int_eq(cfg->timeout_ms, c->want_num);
		break;
	case F_LOG:
		ck_assert_int_eq(cfg->log_level, c->want_num);
		break;
	case F_LOG_FILE:
		ck_assert_str_eq(cfg->log_file, c->want_str);
		break;
	case F_DNS_INTERCEPT:
		ck_assert_int_eq(cfg->dns_intercept, c->want_num);
		break;
	case F_DNS_UPSTREAM:
		check_upstream(cfg, c->want_str);
		break;
	}
}

START_TEST(test_set)
{
	const struct set_case *c = &sets[_i];
	char buf[VALUE_MAX], where[64];
	const char *value = expand(c->value, buf);
	struct config cfg;
	bool ok;

	config_defaults(&cfg);
	snprintf(where, sizeof(where), "test.conf:%d", _i + 1);
	ok = config_set(&cfg, c->key, value, where);
	ck_assert_msg(ok == c->ok, "%s = \"%s\": ok=%d (%s)", c->key, c->value, ok, cfg.error);
	if (ok) {
		ck_assert_msg(cfg.error[0] == '\0', "%s: error set on success", c->key);
		check_field(c, &cfg, value);
		return;
	}
	/* "where: what", and never the value itself */
	ck_assert_msg(strncmp(cfg.error, where, strlen(where)) == 0 &&
			      strncmp(cfg.error + strlen(where), ": ", 2) == 0,
		      "error \"%s\" does not start with \"%s: \"", cfg.error, where);
	ck_assert_msg(strlen(cfg.error) > strlen(where) + 2, "empty reason");
	if (strlen(value) > 3)
		ck_assert_msg(strstr(cfg.error, value) == NULL, "%s: error copies the value: %s",
			      c->key, cfg.error);
	ck_assert_msg(strstr(cfg.error, SECRET) == NULL, "error shows the password: %s", cfg.error);
}
END_TEST

START_TEST(test_unknown_key_message)
{
	struct config cfg;

	config_defaults(&cfg);
	ck_assert(!config_set(&cfg, "colour", "blue", "/etc/socksify.conf:7"));
	ck_assert_str_eq(cfg.error, "/etc/socksify.conf:7: unknown key: colour");
}
END_TEST

START_TEST(test_direct_none_empties)
{
	struct config cfg;

	config_defaults(&cfg);
	ck_assert_uint_gt(cfg.ndirect, 0);
	ck_assert(config_set(&cfg, "direct", "none", "x"));
	ck_assert_uint_eq(cfg.ndirect, 0);
}
END_TEST

/* The list replaces the default; at most CONFIG_MAX_DIRECT entries. */
START_TEST(test_direct_list)
{
	char list[CONFIG_MAX_DIRECT * 20 + 32];
	size_t n = 0;
	struct config cfg;

	config_defaults(&cfg);
	ck_assert(config_set(&cfg, "direct", "198.51.100.0/24,2001:db8::/32", "x"));
	ck_assert_uint_eq(cfg.ndirect, 2);
	ck_assert_int_eq(cfg.direct[0].family, AF_INET);
	ck_assert_uint_eq(cfg.direct[0].prefix, 24);
	ck_assert_int_eq(cfg.direct[1].family, AF_INET6);
	ck_assert_uint_eq(cfg.direct[1].prefix, 32);

	for (int i = 0; i < CONFIG_MAX_DIRECT; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s198.51.%d.0/24", i ? "," : "", i);
	ck_assert(config_set(&cfg, "direct", list, "x"));
	ck_assert_uint_eq(cfg.ndirect, CONFIG_MAX_DIRECT);
	snprintf(list + n, sizeof(list) - n, ",203.0.113.0/24");
	ck_assert(!config_set(&cfg, "direct", list, "x"));
	ck_assert_ptr_nonnull(strstr(cfg.error, "too many"));
}
END_TEST

/* ---------------------------------------------------- config_parse_text */

static const struct parse_case {
	const char *text;
	bool ok;
	const char *error; /* exact message (path "t.conf") when not ok, or NULL */
	const char *error_prefix; /* its start, when not exact */
	enum field field;
	const char *want_str;
	long want_num;
} parses[] = {
	{ "", true, NULL, NULL, F_NONE, NULL, 0 },
	{ "\n\n   \n\t\n", true, NULL, NULL, F_NONE, NULL, 0 },
	{ "# comment\n#log = nonsense\nlog = info\n", true, NULL, NULL, F_LOG, NULL, LOG_INFO },
	{ "   # indented comment = x\n\t# tab\nlog=debug", true, NULL, NULL, F_LOG, NULL, LOG_DEBUG },
	{ "log = info # a comment after white space\n", true, NULL, NULL, F_LOG, NULL, LOG_INFO },
	{ "log = info\t# after a tab\n", true, NULL, NULL, F_LOG, NULL, LOG_INFO },
	{ "password = abc#def\n", true, NULL, NULL, F_PASS, "abc#def", 7 },
	{ "user = \"bob smith\"\n", true, NULL, NULL, F_USER, "bob smith", 9 },
	{ "password = \"  padded  \"\n", true, NULL, NULL, F_PASS, "  padded  ", 10 },
	{ "password = \"\"\n", true, NULL, NULL, F_PASS, "", 0 },
	{ "user = \"half\n", true, NULL, NULL, F_USER, "\"half", 5 },
	{ "\t log \t=\t warn \t\n", true, NULL, NULL, F_LOG, NULL, LOG_WARN },
	{ "log = info\r\ntimeout = 3\r\n", true, NULL, NULL, F_TIMEOUT, NULL, 3000 },
	{ "timeout = 1\ntimeout = 2", true, NULL, NULL, F_TIMEOUT, NULL, 2000 },
	{ "proxy = socks5://proxy.test:1081\n", true, NULL, NULL, F_PROXY, "proxy.test", 1081 },
	{ "direct = none\n", true, NULL, NULL, F_DIRECT, NULL, 0 },
	{ "password = a=b=c\n", true, NULL, NULL, F_PASS, "a=b=c", 5 },
	/* socksify.conf(5): no escapes, inner quotes kept, quotes protect " #" */
	{ "password = a\"b\n", true, NULL, NULL, F_PASS, "a\"b", 3 },
	{ "password = \"a\"b\"\n", true, NULL, NULL, F_PASS, "a\"b", 3 },
	{ "password = \"a #b\"\n", true, NULL, NULL, F_PASS, "a #b", 4 },
	{ "password = \"a #b\" # note\n", true, NULL, NULL, F_PASS, "a #b", 4 },
	{ "password = \" x \"  \n", true, NULL, NULL, F_PASS, " x ", 3 },

	{ "log info\n", false, "t.conf:1: expected \"key = value\"", NULL, F_NONE, NULL, 0 },
	{ "# c\n\nlog info\n", false, "t.conf:3: expected \"key = value\"", NULL, F_NONE, NULL, 0 },
	{ "password = \"a\" b\n", false, "t.conf:1: only a comment may follow a quoted value", NULL, F_NONE, NULL, 0 },
	{ "= info\n", false, "t.conf:1: missing key before \"=\"", NULL, F_NONE, NULL, 0 },
	{ "log = info\ncolour = blue\n", false, "t.conf:2: unknown key: colour", NULL, F_NONE, NULL, 0 },
	{ "# one\n# two\n\ncolour=blue", false, "t.conf:4: unknown key: colour", NULL, F_NONE, NULL, 0 },
	{ "a\r\nb\r\ncolour = x\r\n", false, "t.conf:1: expected \"key = value\"", NULL, F_NONE, NULL, 0 },
	{ "log = info\r\n\r\ncolour = x\r\n", false, "t.conf:3: unknown key: colour", NULL, F_NONE, NULL, 0 },
	{ "log = info\ntimeout = abc\n", false, NULL, "t.conf:2: timeout", F_NONE, NULL, 0 },
	{ "\n\n\n\n\n\n\n\n\nlog = loud\n", false, NULL, "t.conf:10: log", F_NONE, NULL, 0 },
	{ "user =\n", false, NULL, "t.conf:1: username", F_NONE, NULL, 0 },
	{ "proxy = http://proxy.test\n", false, NULL, "t.conf:1: unsupported scheme", F_NONE, NULL, 0 },
};

static void check_error(const char *error, const char *exact, const char *prefix)
{
	if (exact != NULL)
		ck_assert_str_eq(error, exact);
	if (prefix != NULL)
		ck_assert_msg(strncmp(error, prefix, strlen(prefix)) == 0,
			      "error \"%s\" does not start with \"%s\"", error, prefix);
}

START_TEST(test_parse)
{
	const struct parse_case *c = &parses[_i];
	struct config cfg;
	bool ok;
	struct set_case as_set = { .field = c->field, .want_str = c->want_str, .want_num = c->want_num };

	config_defaults(&cfg);
	ok = config_parse_text(&cfg, c->text, strlen(c->text), "t.conf");
	ck_assert_msg(ok == c->ok, "case %d: ok=%d (%s)", _i, ok, cfg.error);
	if (ok) {
		ck_assert_str_eq(cfg.error, "");
		check_field(&as_set, &cfg, NULL);
	} else {
		check_error(cfg.error, c->error, c->error_prefix);
	}
}
END_TEST

/* Lines of 1023 bytes are fine, longer ones and NUL bytes are not. */
START_TEST(test_parse_limits)
{
	char text[2100];
	struct config cfg;
	size_t n;

	/* "password = " + padding + "x": 1023 bytes, then a second line */
	n = (size_t)snprintf(text, sizeof(text), "password = ");
	memset(text + n, ' ', 1023 - n - 1);
	text[1022] = 'x';
	memcpy(text + 1023, "\nlog = 1\n", 10);
	config_defaults(&cfg);
	ck_assert_msg(config_parse_text(&cfg, text, strlen(text), "t.conf"), "%s", cfg.error);
	ck_assert_str_eq(cfg.pass, "x");
	ck_assert_int_eq(cfg.log_level, 1);

	/* one more byte on line 2 */
	memcpy(text, "log = 2\n", 8);
	memset(text + 8, '#', 1024);
	text[8 + 1024] = '\0';
	config_defaults(&cfg);
	ck_assert(!config_parse_text(&cfg, text, strlen(text), "t.conf"));
	check_error(cfg.error, NULL, "t.conf:2: ");

	/* a NUL byte: the length, not the terminator, says where text ends */
	config_defaults(&cfg);
	ck_assert(!config_parse_text(&cfg, "log = 1\nlog\0= 2\n", 16, "t.conf"));
	check_error(cfg.error, NULL, "t.conf:2: ");
	config_defaults(&cfg);
	ck_assert(config_parse_text(&cfg, "log = 3\nlog = 4", 7, "t.conf"));
	ck_assert_int_eq(cfg.log_level, 3);
}
END_TEST

/* No error message ever holds the password, whatever line fails. */
static const char *const secret_texts[] = {
	"password = " SECRET "\ncolour = blue\n",
	"password = " SECRET "\nlog = " SECRET "\n",
	"password = \"" SECRET "\"\ntimeout = never\n",
	"password = " SECRET "\npassword_file = /nonexistent/socksify-pw\n",
	"password = " SECRET "\npassword_file = @pw_long\n",
	"password = " SECRET "\nproxy = socks5://u:" SECRET "@proxy.test:0\n",
	"proxy = socks5://u:" SECRET "%zz@proxy.test\n",
	"proxy = http://u:" SECRET "@proxy.test\n",
	"password " SECRET "\n",
	SECRET "\n",
	"password = " SECRET "*256\n",
	"user = " SECRET "*256\n",
};

START_TEST(test_parse_never_shows_password)
{
	char text[PATH_MAX + 1024], *star;
	char path[PATH_MAX];
	const char *src = secret_texts[_i], *at = strstr(src, "@pw_long");
	struct config cfg;

	/* "@pw_long" becomes the file's path, "*256" pads the value to 256 bytes */
	if (at != NULL)
		snprintf(text, sizeof(text), "%.*s%s\n", (int)(at - src), src,
			 path_in("pw_long", path));
	else
		snprintf(text, sizeof(text), "%s", src);
	star = strstr(text, "*256");
	if (star != NULL) {
		char *value = strstr(text, SECRET);
		memset(star, 'p', 256 - (size_t)(star - value));
		strcpy(value + 256, "\n");
	}
	config_defaults(&cfg);
	ck_assert_msg(!config_parse_text(&cfg, text, strlen(text), "t.conf"), "case %d accepted", _i);
	ck_assert_msg(strncmp(cfg.error, "t.conf:", 7) == 0, "no file:line in \"%s\"", cfg.error);
	ck_assert_msg(strstr(cfg.error, SECRET) == NULL, "case %d: password in \"%s\"", _i,
		      cfg.error);
	ck_assert_msg(strstr(cfg.error, "ssssssss") == NULL, "case %d: file content in \"%s\"", _i,
		      cfg.error);
}
END_TEST

/* ----------------------------------------------------------- config_load */

START_TEST(test_load_nothing)
{
	struct config cfg;

	if (access("/etc/socksify.conf", F_OK) == 0)
		return; /* the machine has one: nothing to prove here */
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.file, "");
	ck_assert(!cfg.has_proxy);
	ck_assert_int_eq(cfg.timeout_ms, CONFIG_DEFAULT_TIMEOUT_MS);
}
END_TEST

/* A password others can read: a warning naming the file, never the password. */
static const struct {
	const char *conf;   /* the configuration file's text; %s: the password file */
	mode_t conf_mode;
	mode_t pw_mode;     /* of pw_lf, the password file */
	const char *warns;  /* which file the warning names, or NULL */
} readable[] = {
	{ "password = " SECRET "\n", 0644, 0600, "readable.conf" },
	{ "password = " SECRET "\n", 0640, 0600, "readable.conf" },
	{ "password = " SECRET "\n", 0600, 0644, NULL },
	{ "user = alice\n", 0644, 0644, NULL },
	{ "password_file = %s\n", 0644, 0644, "pw_lf" },
	{ "password_file = %s\n", 0644, 0600, NULL },
	{ "password_file = %s\n", 0600, 0604, "pw_lf" },
};

START_TEST(test_load_readable_password)
{
	char path[PATH_MAX], pw[PATH_MAX], text[2 * PATH_MAX];
	struct config cfg;

	path_in("pw_lf", pw);
	snprintf(text, sizeof(text), readable[_i].conf, pw);
	write_text("readable.conf", text);
	ck_assert_int_eq(chmod(path_in("readable.conf", path), readable[_i].conf_mode), 0);
	ck_assert_int_eq(chmod(pw, readable[_i].pw_mode), 0);
	set_env("SOCKSIFY_CONF", path);
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	if (readable[_i].warns == NULL) {
		ck_assert_str_eq(cfg.warning, "");
		return;
	}
	ck_assert_msg(strstr(cfg.warning, readable[_i].warns) != NULL, "%s", cfg.warning);
	ck_assert_msg(strstr(cfg.warning, "chmod 600") != NULL, "%s", cfg.warning);
	ck_assert_msg(strstr(cfg.warning, SECRET) == NULL, "%s", cfg.warning);
}
END_TEST

START_TEST(test_load_socksify_conf_and_env)
{
	char path[PATH_MAX];
	struct config cfg;

	write_text("explicit.conf", "proxy = socks5://file.test:1081\n"
				    "user = fileuser\n"
				    "password = filepass\n"
				    "timeout = 5\n"
				    "log = info\n"
				    "direct = 198.51.100.0/24\n");
	set_env("SOCKSIFY_CONF", path_in("explicit.conf", path));

	/* the file alone */
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.file, path);
	ck_assert_str_eq(cfg.proxy_host, "file.test");
	ck_assert_int_eq(cfg.proxy_port, 1081);
	ck_assert_str_eq(cfg.user, "fileuser");
	ck_assert_str_eq(cfg.pass, "filepass");
	ck_assert_int_eq(cfg.timeout_ms, 5000);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
	ck_assert_uint_eq(cfg.ndirect, 1);

	/* the environment wins */
	set_env("SOCKSIFY_PROXY", "socks5://env.test:2000");
	set_env("SOCKSIFY_USER", "envuser");
	set_env("SOCKSIFY_PASSWORD", "envpass");
	set_env("SOCKSIFY_TIMEOUT", "7");
	set_env("SOCKSIFY_LOG", "debug");
	set_env("SOCKSIFY_DIRECT", "none");
	set_env("SOCKSIFY_LOG_FILE", "/tmp/socksify-env.log");
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.proxy_host, "env.test");
	ck_assert_int_eq(cfg.proxy_port, 2000);
	ck_assert_str_eq(cfg.user, "envuser");
	ck_assert_str_eq(cfg.pass, "envpass");
	ck_assert_int_eq(cfg.timeout_ms, 7000);
	ck_assert_int_eq(cfg.log_level, LOG_DEBUG);
	ck_assert_uint_eq(cfg.ndirect, 0);
	ck_assert_str_eq(cfg.log_file, "/tmp/socksify-env.log");

	/* an empty variable counts as unset */
	set_env("SOCKSIFY_TIMEOUT", "");
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_int_eq(cfg.timeout_ms, 5000);

	/* unset again: the file's values come back */
	clear_socksify_env();
	set_env("SOCKSIFY_CONF", path);
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.proxy_host, "file.test");
	ck_assert_int_eq(cfg.timeout_ms, 5000);
}
END_TEST

START_TEST(test_load_password_file_env)
{
	char path[PATH_MAX];
	struct config cfg;

	set_env("SOCKSIFY_PROXY", "socks5://alice@proxy.test");
	set_env("SOCKSIFY_PASSWORD_FILE", path_in("pw_crlf", path));
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.user, "alice");
	ck_assert(cfg.has_pass);
	ck_assert_str_eq(cfg.pass, SECRET);
}
END_TEST

START_TEST(test_load_missing_socksify_conf)
{
	char path[PATH_MAX];
	struct config cfg;

	/* even with a usable XDG file, an explicit missing file is an error */
	make_dir("xdg/socksify");
	write_text("xdg/socksify/socksify.conf", "proxy = xdg.test\n");
	set_env("SOCKSIFY_CONF", path_in("missing.conf", path));
	ck_assert(!config_load(&cfg));
	check_error(cfg.error, NULL, path);
	ck_assert_ptr_nonnull(strstr(cfg.error, "cannot open"));
}
END_TEST

START_TEST(test_load_bad_file)
{
	char path[PATH_MAX], want[PATH_MAX + 64];
	struct config cfg;

	write_text("bad.conf", "# settings\nproxy = socks5://proxy.test\nlog: info\n");
	set_env("SOCKSIFY_CONF", path_in("bad.conf", path));
	ck_assert(!config_load(&cfg));
	snprintf(want, sizeof(want), "%s:3: expected \"key = value\"", path);
	ck_assert_str_eq(cfg.error, want);
}
END_TEST

START_TEST(test_load_xdg)
{
	char path[PATH_MAX], found[PATH_MAX];
	struct config cfg;

	make_dir("xdg/socksify");
	write_text("xdg/socksify/socksify.conf", "proxy = socks5://xdg.test:1082\n");
	make_dir("home/.config");
	make_dir("home/.config/socksify");
	write_text("home/.config/socksify/socksify.conf", "proxy = home.test\n");

	config_file_path(found);
	ck_assert_str_eq(found, path_in("xdg/socksify/socksify.conf", path));
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.file, path);
	ck_assert_str_eq(cfg.proxy_host, "xdg.test");
	ck_assert_int_eq(cfg.proxy_port, 1082);
}
END_TEST

/* Without XDG_CONFIG_HOME (or with a relative one), $HOME/.config. */
START_TEST(test_load_home)
{
	static const char *const xdg_values[] = { NULL, "", "relative/dir" };
	char path[PATH_MAX], found[PATH_MAX];
	struct config cfg;

	make_dir("home/.config");
	make_dir("home/.config/socksify");
	write_text("home/.config/socksify/socksify.conf", "proxy = home.test\n");
	path_in("home/.config/socksify/socksify.conf", path);
	for (size_t i = 0; i < ARRAY_LEN(xdg_values); i++) {
		if (xdg_values[i] == NULL)
			unsetenv("XDG_CONFIG_HOME");
		else
			set_env("XDG_CONFIG_HOME", xdg_values[i]);
		config_file_path(found);
		ck_assert_str_eq(found, path);
		ck_assert_msg(config_load(&cfg), "%s", cfg.error);
		ck_assert_str_eq(cfg.proxy_host, "home.test");
	}
}
END_TEST

START_TEST(test_load_env_credentials)
{
	struct config cfg;

	/* the URL's credentials */
	set_env("SOCKSIFY_PROXY", "socks5h://alice:a%40b@proxy.test:1080");
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert(cfg.has_user && cfg.has_pass);
	ck_assert_str_eq(cfg.user, "alice");
	ck_assert_str_eq(cfg.pass, "a@b");

	/* SOCKSIFY_USER overrides the URL's user, the password stays */
	set_env("SOCKSIFY_USER", "bob");
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.user, "bob");
	ck_assert_uint_eq(cfg.user_len, 3);
	ck_assert_str_eq(cfg.pass, "a@b");

	/* SOCKSIFY_PASSWORD overrides the URL's password */
	set_env("SOCKSIFY_PASSWORD", "other");
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.user, "bob");
	ck_assert_str_eq(cfg.pass, "other");
}
END_TEST

/* socksify.conf(5), PRECEDENCE: explicit credentials beat the URL's, a
 * password file beats SOCKSIFY_PASSWORD, the environment's URL beats the file. */
START_TEST(test_load_credential_precedence)
{
	char path[PATH_MAX];
	struct config cfg;

	set_env("SOCKSIFY_PROXY", "socks5://alice:urlpass@proxy.test");
	set_env("SOCKSIFY_PASSWORD", "envpass");
	set_env("SOCKSIFY_PASSWORD_FILE", path_in("pw_lf", path));
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.user, "alice");
	ck_assert_str_eq(cfg.pass, SECRET);

	clear_socksify_env();
	write_text("creds.conf", "proxy = socks5://file.test\nuser = fileuser\npassword = filepass\n");
	set_env("SOCKSIFY_CONF", path_in("creds.conf", path));
	set_env("SOCKSIFY_PROXY", "socks5://envuser:envpass@env.test");
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.proxy_host, "env.test");
	ck_assert_str_eq(cfg.user, "envuser");
	ck_assert_str_eq(cfg.pass, "envpass");

	/* in the file, lines after the proxy line win over its URL */
	clear_socksify_env();
	write_text("creds.conf", "proxy = socks5://urluser:urlpass@file.test\nuser = fileuser\n");
	set_env("SOCKSIFY_CONF", path_in("creds.conf", path));
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_str_eq(cfg.user, "fileuser");
	ck_assert_str_eq(cfg.pass, "urlpass");
}
END_TEST

/* socksify.conf(5): the file must be smaller than 64 KiB. */
START_TEST(test_load_size_limit)
{
	static char text[64 * 1024 + 1];
	char path[PATH_MAX];
	struct config cfg;
	size_t len = sizeof(text) - 2; /* 65535 bytes */

	/* comment lines of 63 bytes + newline, ending in a setting */
	memset(text, '#', len);
	for (size_t i = 63; i < len; i += 64)
		text[i] = '\n';
	memcpy(text + len - 9, "\nlog = 4\n", 9);
	set_env("SOCKSIFY_CONF", path_in("big.conf", path));
	write_file("big.conf", text, len);
	ck_assert_msg(config_load(&cfg), "%s", cfg.error);
	ck_assert_int_eq(cfg.log_level, 4);

	text[len] = '\n';
	write_file("big.conf", text, len + 1);
	ck_assert(!config_load(&cfg));
	check_error(cfg.error, NULL, path);
	ck_assert_ptr_nonnull(strstr(cfg.error, "64 KiB"));
}
END_TEST

static const struct env_error_case {
	const char *name;
	const char *value;
} env_errors[] = {
	{ "SOCKSIFY_PROXY", "http://u:" SECRET "@proxy.test" },
	{ "SOCKSIFY_USER", "*256" },
	{ "SOCKSIFY_PASSWORD", SECRET "*300" },
	{ "SOCKSIFY_PASSWORD_FILE", "@pw_long" },
	{ "SOCKSIFY_PASSWORD_FILE", "@no_such_file" },
	{ "SOCKSIFY_DIRECT", "198.51.100.0/99" },
	{ "SOCKSIFY_TIMEOUT", "abc" },
	{ "SOCKSIFY_LOG", "loud" },
};

START_TEST(test_load_env_errors)
{
	const struct env_error_case *c = &env_errors[_i];
	char buf[VALUE_MAX], prefix[64];
	const char *value = expand(c->value, buf);
	struct config cfg;

	if (strstr(c->value, "*300") != NULL) { /* SECRET then padding to 300 bytes */
		memset(buf, 'p', 300);
		memcpy(buf, SECRET, strlen(SECRET));
		buf[300] = '\0';
		value = buf;
	}
	set_env("SOCKSIFY_PROXY", "socks5://proxy.test");
	set_env(c->name, value);
	ck_assert_msg(!config_load(&cfg), "%s accepted", c->name);
	snprintf(prefix, sizeof(prefix), "%s: ", c->name);
	check_error(cfg.error, NULL, prefix);
	ck_assert_msg(strstr(cfg.error, SECRET) == NULL, "password in \"%s\"", cfg.error);
	ck_assert_msg(strstr(cfg.error, "ssssssss") == NULL, "file content in \"%s\"", cfg.error);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc_set = tcase_create("set");
	TCase *tc_parse = tcase_create("parse");
	TCase *tc_load = tcase_create("load");

	tcase_add_checked_fixture(tc_set, setup, NULL);
	tcase_add_test(tc_set, test_defaults);
	tcase_add_loop_test(tc_set, test_set, 0, (int)ARRAY_LEN(sets));
	tcase_add_test(tc_set, test_unknown_key_message);
	tcase_add_test(tc_set, test_direct_none_empties);
	tcase_add_test(tc_set, test_direct_list);
	suite_add_tcase(s, tc_set);

	tcase_add_checked_fixture(tc_parse, setup, NULL);
	tcase_add_loop_test(tc_parse, test_parse, 0, (int)ARRAY_LEN(parses));
	tcase_add_test(tc_parse, test_parse_limits);
	tcase_add_loop_test(tc_parse, test_parse_never_shows_password, 0,
			    (int)ARRAY_LEN(secret_texts));
	suite_add_tcase(s, tc_parse);

	tcase_add_checked_fixture(tc_load, setup, NULL);
	tcase_add_test(tc_load, test_load_nothing);
	tcase_add_test(tc_load, test_load_socksify_conf_and_env);
	tcase_add_loop_test(tc_load, test_load_readable_password, 0, (int)ARRAY_LEN(readable));
	tcase_add_test(tc_load, test_load_password_file_env);
	tcase_add_test(tc_load, test_load_missing_socksify_conf);
	tcase_add_test(tc_load, test_load_bad_file);
	tcase_add_test(tc_load, test_load_xdg);
	tcase_add_test(tc_load, test_load_home);
	tcase_add_test(tc_load, test_load_env_credentials);
	tcase_add_test(tc_load, test_load_credential_precedence);
	tcase_add_test(tc_load, test_load_size_limit);
	tcase_add_loop_test(tc_load, test_load_env_errors, 0, (int)ARRAY_LEN(env_errors));
	suite_add_tcase(s, tc_load);
	return s;
}

int main(void)
{
	int rc;

	snprintf(tmp, sizeof(tmp), "%s/socksify-test-config.XXXXXX",
		 getenv("TMPDIR") && getenv("TMPDIR")[0] == '/' ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	rc = run_suite(config_suite(), CK_FORK_GETENV);
	nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
