/*
 * socksify --check [HOST:PORT]: tries the configured proxy step by step
 * with the library's own code and prints a verdict.
 */
#ifndef SOCKSIFY_CLI_CHECK_H
#define SOCKSIFY_CLI_CHECK_H

/*
 * args holds the words after the options (nargs of them: none, or
 * HOST:PORT); verbosity is the count of -v minus -q. Returns the exit
 * status: 0 passed, 1 failed, 2 usage error.
 */
int check_main(int nargs, char **args, int verbosity);

#endif
