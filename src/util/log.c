#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "real.h"

static const char level_names[][8] = { "silent", "error", "warn", "info", "debug" };
#define NLEVELS ((int)(sizeof(level_names) / sizeof(level_names[0])))

static int current_level = LOG_DEFAULT;
static int log_fd = 2;
static bool stamped; /* a log file: lines carry the time and the pid */

int log_level_parse(const char *text)
{
	if (text[0] >= '0' && text[0] < '0' + NLEVELS && text[1] == '\0')
		return text[0] - '0';
	for (int i = 0; i < NLEVELS; i++)
		if (strcasecmp(text, level_names[i]) == 0)
			return i;
	if (strcasecmp(text, "warning") == 0)
		return LOG_WARN;
	return -1;
}

const char *log_level_name(int level)
{
	return level >= 0 && level < NLEVELS ? level_names[level] : "?";
}

void log_setup(int level, int fd, bool to_file)
{
	current_level = level;
	log_fd = fd;
	stamped = to_file;
}

/*
 * "2026-12-03T10:20:30.123Z socksify[42]: ", computed by hand: gmtime_r
 * takes libc's time-zone lock, which a forked child may find held.
 */
static int stamp(char *out, size_t cap)
{
	struct timespec ts;
	long long days, secs, era, doe, yoe, doy, mp, y;
	unsigned d, m;

	clock_gettime(CLOCK_REALTIME, &ts);
	days = ts.tv_sec / 86400;
	secs = ts.tv_sec % 86400;
	/* Howard Hinnant's civil_from_days */
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	y = yoe + era * 400 + (m <= 2);
	return snprintf(out, cap, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03ldZ socksify[%ld]: ", y, m, d,
			secs / 3600, secs / 60 % 60, secs % 60, ts.tv_nsec / 1000000, (long)getpid());
}

int log_file_fd(void)
{
	return stamped ? log_fd : -1;
}

int log_enabled(int level)
{
	return level != LOG_SILENT && level <= current_level;
}

static void write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = real_write(log_fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void log_line(int level, const char *text)
{
	char buf[LOG_LINE_MAX];
	int saved = errno;

	if (!log_enabled(level))
		return;
	int n = stamped ? stamp(buf, sizeof(buf) - 1) : snprintf(buf, sizeof(buf) - 1, "socksify: ");
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(buf) - 1)
		n += snprintf(buf + n, sizeof(buf) - 1 - (size_t)n, "%s", text);
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	write_all(buf, (size_t)n);
	errno = saved;
}

void log_msg(int level, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	/* clang-analyzer 14 loses track of va_start here. */
	vsnprintf(text, sizeof(text), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	log_line(level, text);
}
