#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "real.h"

static const char *const level_names[] = { "silent", "error", "warn", "info", "debug" };
#define NLEVELS ((int)(sizeof(level_names) / sizeof(level_names[0])))

static int current_level = LOG_DEFAULT;
static int log_fd = 2;

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

void log_setup(int level, int fd)
{
	current_level = level;
	log_fd = fd;
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
	int n = snprintf(buf, sizeof(buf) - 1, "socksify: %s", text);
	if (n < 0)
		n = 0;
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
