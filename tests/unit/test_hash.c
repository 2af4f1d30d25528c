/* Check suite for hash.c: every length read exactly, case folding, the seed, the spread. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "suite.h"
#include "wire.h"

static const char text[] = "Www.Example-Host.Name.Test.with.Mixed.CASE.and.more.than.64.bytes";

/* Exact-size copies: valgrind and ASan see a read past the key. */
START_TEST(test_every_length_stable)
{
	for (size_t len = 0; len <= 64; len++) {
		uint8_t *a = dup_exact((const uint8_t *)text, len), *b = dup_exact((const uint8_t *)text, len);
		ck_assert_uint_eq(hash_bytes(a, len, 7, 0), hash_bytes(b, len, 7, 0));
		ck_assert_uint_eq(hash_bytes(a, len, 7, HASH_FOLD_CASE), hash_bytes(b, len, 7, HASH_FOLD_CASE));
		free(a);
		free(b);
	}
}
END_TEST

START_TEST(test_fold_ignores_ascii_case_only)
{
	char lower[sizeof(text)], upper[sizeof(text)];

	for (size_t i = 0; i < sizeof(text); i++) {
		lower[i] = (char)tolower((unsigned char)text[i]);
		upper[i] = (char)toupper((unsigned char)text[i]);
	}
	for (size_t len = 1; len < sizeof(text); len++) {
		ck_assert_uint_eq(hash_bytes(lower, len, 0, HASH_FOLD_CASE),
				  hash_bytes(upper, len, 0, HASH_FOLD_CASE));
		ck_assert_uint_ne(hash_bytes(lower, len, 0, 0), hash_bytes(upper, len, 0, 0));
	}
}
END_TEST

START_TEST(test_length_seed_and_each_byte_count)
{
	uint8_t key[40] = { 0 };
	uint64_t base = hash_bytes(key, sizeof(key), 1, 0);

	ck_assert_uint_ne(hash_bytes(key, sizeof(key) - 1, 1, 0), base);
	ck_assert_uint_ne(hash_bytes(key, sizeof(key), 2, 0), base);
	for (size_t i = 0; i < sizeof(key); i++) {
		key[i] = 1;
		ck_assert_msg(hash_bytes(key, sizeof(key), 1, 0) != base, "byte %zu ignored", i);
		key[i] = 0;
	}
}
END_TEST

/* 100 000 names like the benchmark's, in 2^17 buckets: no bucket much fuller than chance makes it. */
START_TEST(test_spread)
{
	enum { NAMES = 100000, BUCKETS = 1 << 17 };
	unsigned char *count = calloc(BUCKETS, 1);
	char name[32];
	unsigned most = 0;

	ck_assert_ptr_nonnull(count);
	for (int i = 0; i < NAMES; i++) {
		int len = snprintf(name, sizeof(name), "h%07d.bench.test", i);
		unsigned b = (unsigned)hash_bytes(name, (size_t)len, 42, 0) & (BUCKETS - 1);
		if (++count[b] > most)
			most = count[b];
	}
	ck_assert_uint_le(most, 9);
	free(count);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, test_every_length_stable);
	tcase_add_test(tc, test_fold_ignores_ascii_case_only);
	tcase_add_test(tc, test_length_seed_and_each_byte_count);
	tcase_add_test(tc, test_spread);
	suite_add_tcase(s, tc);
	return run_suite(s, CK_FORK_GETENV);
}
