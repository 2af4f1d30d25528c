#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "suite.h"

static char path[64];

static void write_file(size_t len)
{
	char *bytes = malloc(len + 1);
	int fd;

	strcpy(path, "/tmp/socksify-test-file.XXXXXX");
	fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(bytes);
	for (size_t i = 0; i < len; i++)
		bytes[i] = (char)('a' + i % 26);
	ck_assert_int_eq(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	free(bytes);
}

static void remove_file(void)
{
	unlink(path);
}

START_TEST(reads_files_of_every_size_below_max)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 100000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = 99;
		write_file(sizes[i]);
		char *text = file_read_all(path, 200000, &len);
		ck_assert_ptr_nonnull(text);
		ck_assert_uint_eq(len, sizes[i]);
		ck_assert_int_eq(text[len], '\0');
		if (len > 0)
			ck_assert_int_eq(text[len - 1], 'a' + (int)((len - 1) % 26));
		free(text);
		remove_file();
	}
}
END_TEST

START_TEST(refuses_a_file_of_max_bytes_or_more)
{
	size_t len = 0;

	write_file(1000);
	errno = 0;
	ck_assert_ptr_null(file_read_all(path, 1000, &len));
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_ptr_null(file_read_all(path, 999, &len));
	ck_assert_int_eq(errno, EFBIG);
	char *text = file_read_all(path, 1001, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, 1000);
	free(text);
	remove_file();
}
END_TEST

/* /proc files say they are empty: the buffer grows as they are read. */
START_TEST(reads_a_file_whose_size_fstat_does_not_know)
{
	size_t len = 0;
	char *text = file_read_all("/proc/self/maps", 1 << 20, &len);

	ck_assert_ptr_nonnull(text);
	ck_assert_uint_gt(len, 100);
	ck_assert_uint_eq(strlen(text), len);
	free(text);
	ck_assert_ptr_null(file_read_all("/proc/self/maps", 16, &len));
	ck_assert_int_eq(errno, EFBIG);
}
END_TEST

START_TEST(a_missing_file_keeps_open_s_errno)
{
	size_t len = 0;

	ck_assert_ptr_null(file_read_all("/nonexistent/socksify", 100, &len));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(!file_error_transient(ENOENT));
	ck_assert(file_error_transient(EMFILE));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("read_all");

	tcase_add_test(tc, reads_files_of_every_size_below_max);
	tcase_add_test(tc, refuses_a_file_of_max_bytes_or_more);
	tcase_add_test(tc, reads_a_file_whose_size_fstat_does_not_know);
	tcase_add_test(tc, a_missing_file_keeps_open_s_errno);
	suite_add_tcase(s, tc);
	return run_suite(s, CK_FORK_GETENV);
}
