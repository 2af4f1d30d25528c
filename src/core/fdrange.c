#include "fdrange.h"

#include <errno.h>
#include <limits.h>
#include <linux/close_range.h>
#include <stdlib.h>

#include "dns_intercept.h"
#include "fdtable.h"
#include "log.h"
#include "real.h"

/* More than this many kept descriptors, and the rest are closed too. */
#define KEPT_MAX 256

static int by_number(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The library's descriptors inside [first, last], sorted. */
static size_t kept(unsigned int first, unsigned int last, int *out)
{
	size_t n = fdtable_kept_ctl(first, last, out, KEPT_MAX - 4);
	int own[3], log_fd = log_file_fd();
	size_t nown = dns_intercept_own_fds(own, 3);

	for (size_t i = 0; i < nown; i++)
		if ((unsigned)own[i] >= first && (unsigned)own[i] <= last)
			out[n++] = own[i];
	if (log_fd >= 0 && (unsigned)log_fd >= first && (unsigned)log_fd <= last)
		out[n++] = log_fd;
	qsort(out, n, sizeof(*out), by_number);
	return n;
}

/* One stretch; where the kernel lacks close_range (or a filter hides it), as glibc would. */
static int close_stretch(unsigned int from, unsigned int to, int flags)
{
	if (real()->close_range(from, to, flags) == 0)
		return 0;
	if (errno != ENOSYS || flags != 0)
		return -1;
	if (to == ~0U && from <= INT_MAX) {
		real()->closefrom((int)from);
		return 0;
	}
	for (unsigned int fd = from; fd <= to && fd <= INT_MAX; fd++)
		real()->close((int)fd);
	return 0;
}

int fdrange_close(unsigned int first, unsigned int last, int flags)
{
	int keep[KEPT_MAX];
	unsigned int from = first;
	size_t n;

	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	/* Marking close-on-exec changes nothing for ours, which are already. */
	if (flags & CLOSE_RANGE_CLOEXEC)
		return real()->close_range(first, last, flags);
	fdtable_clear_range(first, last);
	n = kept(first, last, keep);
	for (size_t i = 0; i < n; i++) {
		unsigned int k = (unsigned int)keep[i];
		if (k > from && close_stretch(from, k - 1, flags) < 0)
			return -1;
		if (k >= from)
			from = k + 1;
		/* UNSHARE is done by the first call; the table is ours from then on. */
		flags &= ~CLOSE_RANGE_UNSHARE;
	}
	return from <= last ? close_stretch(from, last, flags) : 0;
}
