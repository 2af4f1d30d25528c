/*
 * Programs the library cannot reach: the wrapper looks at the command
 * before exec and says when the dynamic loader will not preload
 * libsocksify.so into it (statically linked, or run in secure-execution
 * mode), so nothing goes unproxied without a word.
 */
#ifndef SOCKSIFY_CLI_DETECT_H
#define SOCKSIFY_CLI_DETECT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define DETECT_WHY_MAX (2 * PATH_MAX + 128)

/*
 * Looks cmd up as execvp(3) would. true, with why set to "PATH will not
 * be proxied: REASON", when the library will not be loaded into it; false
 * for anything it cannot tell (not found, unreadable, not ELF).
 */
bool detect_unproxied(const char *cmd, char *why, size_t cap);

#endif
