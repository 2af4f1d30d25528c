/*
 * socksify --export (socksify shell-init): the lines a shell profile
 * evaluates to preload the library into every program it starts.
 */
#ifndef SOCKSIFY_CLI_EXPORT_H
#define SOCKSIFY_CLI_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Writes sh code to out: an export of each of the n variables in names,
 * with its value from the environment, then the lines that put lib (an
 * absolute path) in front of LD_PRELOAD unless it is already one of its
 * entries. Prints nothing and returns false, with *why, when a value
 * holds a password.
 */
bool export_print(FILE *out, const char *lib, const char *const *names, size_t n, const char **why);

#endif
