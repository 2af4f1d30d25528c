/* Helpers of the codec suites: exact wire bytes, exact-size copies, guards. */
#ifndef SOCKSIFY_TEST_WIRE_H
#define SOCKSIFY_TEST_WIRE_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Filled in past an output's end: any change means a write past cap. */
#define CANARY 0xa5

/* A literal byte string and its length, as two designated initializers. */
#define WIRE(...) .wire = (const uint8_t[]){ __VA_ARGS__ }, .len = sizeof((const uint8_t[]){ __VA_ARGS__ })

/* An exactly-sized heap copy, so valgrind and ASan see any over-read;
 * n == 0 on purpose too: any read of a 0-byte block is flagged. */
static inline uint8_t *dup_exact(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n); /* NOLINT(clang-analyzer-optin.portability.UnixAPI) */

	ck_assert(p != NULL || n == 0);
	if (n > 0)
		memcpy(p, src, n);
	return p;
}

static inline void assert_bytes_eq(const uint8_t *got, const uint8_t *want, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "%s: byte %zu is 0x%02x, want 0x%02x", what, i,
			      got[i], want[i]);
}

static inline void assert_untouched(const uint8_t *p, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(p[i] == CANARY, "%s: wrote %zu bytes past the end", what, i + 1);
}

#endif
