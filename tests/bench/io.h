/* Whole reads and writes for the benchmark's client and servers. */
#ifndef SOCKSIFY_BENCH_IO_H
#define SOCKSIFY_BENCH_IO_H

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

/* Exactly n bytes, across short reads and EINTR; -1 on error or early EOF. */
static inline int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static inline int write_full(int fd, const void *buf, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t w = write(fd, (const char *)buf + put, n - put);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		put += (size_t)w;
	}
	return 0;
}

#endif
