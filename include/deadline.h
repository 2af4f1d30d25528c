/* One deadline for a whole exchange, on the monotonic clock. */
#ifndef SOCKSIFY_DEADLINE_H
#define SOCKSIFY_DEADLINE_H

#include <stdint.h>
#include <time.h>

static inline int64_t deadline_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t deadline_in(int ms)
{
	return deadline_now_ms() + ms;
}

/* Milliseconds left, 0 when passed: a poll(2) timeout. */
static inline int deadline_left(int64_t deadline)
{
	int64_t left = deadline - deadline_now_ms();

	return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

#endif
