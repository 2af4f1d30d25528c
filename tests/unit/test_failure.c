/*
 * Unit tests for the table of failure kinds: the errno each gives the
 * application (DESIGN.md, "TCP CONNECT"), the SOCKS5 REP mapping, and the
 * log line templates (%P %D %U %X %R %T substitution, NULL fields as "?",
 * truncation into small buffers without writing past them).
 *
 * Context values are distinctive strings that appear in no template, so a
 * test can find them in a line without knowing its wording.
 */
#include "failure.h"

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LINE_MAX_TEST 1024
#define GUARD 16
#define CANARY 0x5a

#define V_PROXY "PROXY-198.51.100.1:1080"
#define V_DEST "DEST-203.0.113.10:80"
#define V_USER "USER-alice"
#define V_DETAIL "DETAIL-bad-version"
#define V_COMMAND "CMD-UDP-ASSOCIATE"

static const struct failure_ctx full_ctx = {
	.proxy = V_PROXY,
	.dest = V_DEST,
	.user = V_USER,
	.detail = V_DETAIL,
	.command = V_COMMAND,
	.code = 0x7f,
	.sys_errno = EPIPE,
	.timeout_ms = 2500,
};

static void format(enum failure f, const struct failure_ctx *ctx, char out[LINE_MAX_TEST])
{
	failure_format(f, ctx, out, LINE_MAX_TEST);
	ck_assert_uint_lt(strlen(out), LINE_MAX_TEST - 1); /* not truncated */
}

/* s with every occurrence of from replaced by to. */
static void replace_all(const char *s, const char *from, const char *to, char *out, size_t cap)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);

	while (*s != '\0') {
		if (strncmp(s, from, fl) == 0) {
			ck_assert(n + tl < cap);
			memcpy(out + n, to, tl);
			n += tl;
			s += fl;
		} else {
			ck_assert(n + 1 < cap);
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
}

/* --------------------------------------------------------- every kind */

/* _i runs over FAIL_NO_PROXY .. FAIL_REP_UNKNOWN. */
START_TEST(test_every_kind)
{
	enum failure f = (enum failure)_i;
	struct failure_ctx no_errno = full_ctx;
	char line[LINE_MAX_TEST];

	format(f, &full_ctx, line);
	ck_assert_msg(line[0] != '\0', "kind %d: empty line", f);
	ck_assert_msg(strchr(line, '%') == NULL, "kind %d: unsubstituted field: %s", f, line);
	ck_assert_msg(strchr(line, '\n') == NULL, "kind %d: newline in line", f);
	ck_assert_msg(failure_errno(f, &full_ctx) != 0, "kind %d: errno 0", f);
	no_errno.sys_errno = 0;
	ck_assert_msg(failure_errno(f, &no_errno) != 0, "kind %d: errno 0 without ctx errno", f);
}
END_TEST

START_TEST(test_out_of_range)
{
	char line[LINE_MAX_TEST];

	ck_assert_int_ne(failure_errno(FAIL_NONE, &full_ctx), 0);
	ck_assert_int_ne(failure_errno(FAIL_COUNT, &full_ctx), 0);
	format(FAIL_COUNT, &full_ctx, line);
	ck_assert(line[0] != '\0');
}
END_TEST

/* ------------------------------------------------------------ REP codes */

static const struct rep_case {
	int rep;
	enum failure want;
	int want_errno; /* DESIGN.md's table */
} reps[] = {
	{ 1, FAIL_REP_GENERAL, ECONNREFUSED },
	{ 2, FAIL_REP_NOT_ALLOWED, EACCES },
	{ 3, FAIL_REP_NET_UNREACHABLE, ENETUNREACH },
	{ 4, FAIL_REP_HOST_UNREACHABLE, EHOSTUNREACH },
	{ 5, FAIL_REP_REFUSED, ECONNREFUSED },
	{ 6, FAIL_REP_TTL_EXPIRED, ETIMEDOUT },
	{ 7, FAIL_REP_CMD_UNSUPPORTED, ECONNREFUSED },
	{ 8, FAIL_REP_ATYP_UNSUPPORTED, ECONNREFUSED },
	{ 9, FAIL_REP_UNKNOWN, ECONNREFUSED },
	{ 0x80, FAIL_REP_UNKNOWN, ECONNREFUSED },
	{ 255, FAIL_REP_UNKNOWN, ECONNREFUSED },
	{ 256, FAIL_REP_UNKNOWN, ECONNREFUSED },
	{ -1, FAIL_REP_UNKNOWN, ECONNREFUSED },
};

START_TEST(test_rep)
{
	const struct rep_case *c = &reps[_i];
	enum failure f = failure_from_rep(c->rep);

	ck_assert_msg(f == c->want, "REP %d: kind %d, want %d", c->rep, f, c->want);
	ck_assert_msg(failure_errno(f, &full_ctx) == c->want_errno, "REP %d: errno %d, want %d",
		      c->rep, failure_errno(f, &full_ctx), c->want_errno);
}
END_TEST

/* -------------------------------------------------- DESIGN.md's errnos */

static const struct errno_case {
	enum failure f;
	int sys_errno; /* in the context */
	int want;
} errnos[] = {
	{ FAIL_NO_METHOD, 0, EACCES },          /* no acceptable method */
	{ FAIL_AUTH_REJECTED, 0, EACCES },      /* rejected credentials */
	{ FAIL_MALFORMED, 0, ECONNRESET },      /* malformed reply */
	{ FAIL_PROXY_CLOSED, 0, ECONNRESET },   /* close mid-handshake */
	{ FAIL_PROXY_SILENT, 0, ETIMEDOUT },    /* deadline */
	{ FAIL_FAMILY, 0, ENETUNREACH },        /* families cannot meet */
	{ FAIL_PROXY_CONNECT, ECONNREFUSED, ECONNREFUSED }, /* the real errno */
	{ FAIL_PROXY_CONNECT, ENETUNREACH, ENETUNREACH },
	{ FAIL_PROXY_IO, EPIPE, EPIPE },
	{ FAIL_PROXY_IO, ECONNRESET, ECONNRESET },
	/* whatever else ignores the context's errno */
	{ FAIL_MALFORMED, EPIPE, ECONNRESET },
	{ FAIL_REP_REFUSED, EPIPE, ECONNREFUSED },
};

START_TEST(test_errno)
{
	const struct errno_case *c = &errnos[_i];
	struct failure_ctx ctx = full_ctx;

	ctx.sys_errno = c->sys_errno;
	ck_assert_msg(failure_errno(c->f, &ctx) == c->want, "kind %d (ctx errno %d): %d, want %d",
		      c->f, c->sys_errno, failure_errno(c->f, &ctx), c->want);
}
END_TEST

/* ----------------------------------------------------------- templates */

/* A kind, and a value its line must show. */
static const struct subst_case {
	enum failure f;
	int code, timeout_ms, sys_errno;
	const char *want;
} substs[] = {
	{ FAIL_AUTH_REJECTED, 0, 0, 0, V_PROXY },   /* %P */
	{ FAIL_AUTH_REJECTED, 0, 0, 0, V_USER },    /* %U */
	{ FAIL_REP_REFUSED, 0, 0, 0, V_DEST },      /* %D */
	{ FAIL_MALFORMED, 0, 0, 0, V_DETAIL },      /* %X */
	{ FAIL_REP_NOT_ALLOWED, 0, 0, 0, V_COMMAND }, /* %C */
	{ FAIL_METHOD_NOT_OFFERED, 0x7f, 0, 0, "0x7f" }, /* %R in hex */
	{ FAIL_REP_UNKNOWN, 9, 0, 0, "0x09" },
	{ FAIL_REP_UNKNOWN, 0xff, 0, 0, "0xff" },
	{ FAIL_PROXY_SILENT, 0, 2500, 0, "2.500 s" },  /* %T in seconds */
	{ FAIL_PROXY_SILENT, 0, 10000, 0, "10 s" },
	{ FAIL_PROXY_SILENT, 0, 50, 0, "0.050 s" },
	{ FAIL_PROXY_SILENT, 0, 10000, 0, "10" },
	{ FAIL_PROXY_SILENT, 0, 30000, 0, "30" },
	{ FAIL_PROXY_CONNECT, 0, 0, ECONNREFUSED, "Connection refused" }, /* %E */
};

START_TEST(test_substitution)
{
	const struct subst_case *c = &substs[_i];
	struct failure_ctx ctx = full_ctx;
	char line[LINE_MAX_TEST];

	ctx.code = c->code;
	ctx.timeout_ms = c->timeout_ms;
	ctx.sys_errno = c->sys_errno;
	format(c->f, &ctx, line);
	ck_assert_msg(strstr(line, c->want) != NULL, "kind %d: \"%s\" lacks \"%s\"", c->f, line,
		      c->want);
}
END_TEST

/* A NULL field prints as "?": the line with the field NULL is the full
 * line with the value replaced by "?". Runs over every kind. */
START_TEST(test_null_fields)
{
	static const struct {
		const char *value;
		size_t offset;
	} fields[] = {
		{ V_PROXY, offsetof(struct failure_ctx, proxy) },
		{ V_DEST, offsetof(struct failure_ctx, dest) },
		{ V_USER, offsetof(struct failure_ctx, user) },
		{ V_DETAIL, offsetof(struct failure_ctx, detail) },
	};
	enum failure f = (enum failure)_i;
	char full[LINE_MAX_TEST], got[LINE_MAX_TEST], want[LINE_MAX_TEST];

	format(f, &full_ctx, full);
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		struct failure_ctx ctx = full_ctx;

		*(const char **)((char *)&ctx + fields[i].offset) = NULL;
		format(f, &ctx, got);
		replace_all(full, fields[i].value, "?", want, sizeof(want));
		ck_assert_msg(strcmp(got, want) == 0, "kind %d, field %s NULL: \"%s\", want \"%s\"",
			      f, fields[i].value, got, want);
	}
}
END_TEST

START_TEST(test_all_null)
{
	struct failure_ctx ctx = { 0 };
	char line[LINE_MAX_TEST];

	format(FAIL_AUTH_REJECTED, &ctx, line);
	ck_assert_msg(strstr(line, "?") != NULL, "%s", line);
	format(FAIL_REP_HOST_UNREACHABLE, &ctx, line);
	ck_assert_msg(strstr(line, "?") != NULL, "%s", line);
	ck_assert(strstr(line, "(null)") == NULL);
}
END_TEST

/* ------------------------------------------------------- small buffers */

/* Every kind into caps 1, 8, 16 and every other length up to the line's:
 * a prefix of the full line, NUL-terminated, nothing past cap written. */
START_TEST(test_small_buffers)
{
	enum failure f = (enum failure)_i;
	char full[LINE_MAX_TEST];
	size_t full_len;

	format(f, &full_ctx, full);
	full_len = strlen(full);
	for (unsigned cap = 0; cap <= full_len + 2; cap++) {
		char *buf = malloc(cap + GUARD);
		size_t want_len = cap == 0 ? 0 : (cap - 1 < full_len ? cap - 1 : full_len);

		ck_assert(buf != NULL);
		memset(buf, CANARY, cap + GUARD);
		failure_format(f, &full_ctx, buf, cap);
		for (size_t i = cap; i < cap + GUARD; i++)
			ck_assert_msg((unsigned char)buf[i] == CANARY,
				      "kind %d, cap %u: wrote byte %zu", f, cap, i);
		if (cap == 0) {
			ck_assert_msg((unsigned char)buf[0] == CANARY, "cap 0: wrote");
		} else {
			ck_assert_msg(memchr(buf, '\0', cap) != NULL, "kind %d, cap %u: no NUL", f, cap);
			ck_assert_msg(strlen(buf) == want_len, "kind %d, cap %u: length %zu, want %zu",
				      f, cap, strlen(buf), want_len);
			ck_assert_msg(memcmp(buf, full, want_len) == 0,
				      "kind %d, cap %u: not a prefix", f, cap);
		}
		free(buf);
	}
}
END_TEST

/* The named caps, with a field value longer than the buffer. */
START_TEST(test_long_field_small_cap)
{
	static const unsigned caps[] = { 1, 8, 16 };
	char long_dest[600];
	struct failure_ctx ctx = full_ctx;

	memset(long_dest, 'd', sizeof(long_dest) - 1);
	long_dest[sizeof(long_dest) - 1] = '\0';
	ctx.dest = long_dest;
	ctx.proxy = long_dest;
	for (size_t i = 0; i < ARRAY_LEN(caps); i++) {
		char buf[16 + GUARD];

		memset(buf, CANARY, sizeof(buf));
		failure_format(FAIL_REP_REFUSED, &ctx, buf, caps[i]);
		ck_assert_uint_eq(strlen(buf), caps[i] - 1);
		for (size_t j = caps[i]; j < sizeof(buf); j++)
			ck_assert_msg((unsigned char)buf[j] == CANARY, "cap %u: wrote byte %zu",
				      caps[i], j);
	}
}
END_TEST

/* ------------------------------------------------------- failure_report */

/* One log line, "socksify: " + the formatted text + "\n"; returns the errno. */
START_TEST(test_report)
{
	int fds[2];
	char line[LINE_MAX_TEST], want[LINE_MAX_TEST + 16], got[LINE_MAX_TEST + 16];
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	log_setup(LOG_ERROR, fds[1], false);
	errno = 0;
	ck_assert_int_eq(failure_report(FAIL_REP_HOST_UNREACHABLE, &full_ctx), EHOSTUNREACH);
	format(FAIL_REP_HOST_UNREACHABLE, &full_ctx, line);
	snprintf(want, sizeof(want), "socksify: %s\n", line);
	n = read(fds[0], got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	ck_assert_str_eq(got, want);

	/* silent: nothing written, errno still returned */
	log_setup(LOG_SILENT, fds[1], false);
	ck_assert_int_eq(failure_report(FAIL_PROXY_SILENT, &full_ctx), ETIMEDOUT);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], got, sizeof(got)), 0);
	close(fds[0]);
}
END_TEST

static Suite *failure_suite(void)
{
	Suite *s = suite_create("failure");
	TCase *tc = tcase_create("failure");

	tcase_add_loop_test(tc, test_every_kind, FAIL_NO_PROXY, FAIL_REP_UNKNOWN + 1);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_loop_test(tc, test_rep, 0, (int)ARRAY_LEN(reps));
	tcase_add_loop_test(tc, test_errno, 0, (int)ARRAY_LEN(errnos));
	tcase_add_loop_test(tc, test_substitution, 0, (int)ARRAY_LEN(substs));
	tcase_add_loop_test(tc, test_null_fields, FAIL_NO_PROXY, FAIL_REP_UNKNOWN + 1);
	tcase_add_test(tc, test_all_null);
	tcase_add_loop_test(tc, test_small_buffers, FAIL_NO_PROXY, FAIL_REP_UNKNOWN + 1);
	tcase_add_test(tc, test_long_field_small_cap);
	tcase_add_test(tc, test_report);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(failure_suite(), CK_FORK_GETENV);
}
