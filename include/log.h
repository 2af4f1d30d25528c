/*
 * Log lines: "socksify: ..." written with one write(2) each, so lines from
 * concurrent threads and processes never interleave. No stdio: hooks may run
 * where stdio is unsafe (signal handlers, forked children).
 */
#ifndef SOCKSIFY_LOG_H
#define SOCKSIFY_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_SILENT = 0,
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

#define LOG_DEFAULT LOG_WARN
#define LOG_LINE_MAX 512

/* Parses "silent|error|warn|info|debug" or a digit 0-4; -1 if neither. */
int log_level_parse(const char *text);
const char *log_level_name(int level);

/* Where lines go: an already open fd (default 2); a file's lines carry the time and the pid. */
void log_setup(int level, int fd, bool to_file);
int log_enabled(int level);
/* The log file's fd, or -1 when lines go to standard error. */
int log_file_fd(void);

void log_line(int level, const char *text);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
