/* The one way every unit suite runs and reports: Check's summary, and the exit status. */
#ifndef SOCKSIFY_TEST_SUITE_H
#define SOCKSIFY_TEST_SUITE_H

#include <check.h>
#include <stdlib.h>

/* fork: CK_FORK_GETENV (CK_FORK=no runs in-process, for valgrind), or CK_FORK where a suite needs it. */
static inline int run_suite(Suite *s, enum fork_status fork)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, fork);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
