/*
 * socksify [options] [--] COMMAND [ARGS...]: runs COMMAND with
 * libsocksify.so preloaded. Options become SOCKSIFY_* environment
 * variables, so the library reads one configuration whoever starts it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#ifndef SOCKSIFY_VERSION
#define SOCKSIFY_VERSION "0.0.0"
#endif
#ifndef SOCKSIFY_LIBDIR
#define SOCKSIFY_LIBDIR "/usr/local/lib/socksify"
#endif

#define EXIT_USAGE 2
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

static const char usage_text[] =
	"Usage: socksify [options] [--] COMMAND [ARGS...]\n"
	"Run COMMAND with its TCP connections sent through a SOCKS5 proxy.\n"
	"\n"
	"  -p, --proxy URL          socks5://[user[:pass]@]host[:port] (default port 1080)\n"
	"  -u, --user NAME          username for the proxy (RFC 1929)\n"
	"      --password-file FILE read the password from the first line of FILE\n"
	"  -d, --direct LIST        addresses/CIDRs reached directly (default 127.0.0.0/8,::1;\n"
	"                           'none': everything through the proxy)\n"
	"  -t, --timeout SECONDS    deadline for each proxy handshake (default 10)\n"
	"  -c, --config FILE        read FILE instead of the default configuration file\n"
	"  -q, --quiet              log less (repeat for silence)\n"
	"  -v, --verbose            log more (repeat for debug)\n"
	"  -h, --help               show this help\n"
	"      --version            show the version\n"
	"\n"
	"The password can also come from SOCKSIFY_PASSWORD or password_file in the\n"
	"configuration file; see socksify(1) and socksify.conf(5).\n";

enum { OPT_PASSWORD_FILE = 256, OPT_VERSION };

static const struct option long_options[] = {
	{ "proxy", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'u' },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "direct", required_argument, NULL, 'd' },
	{ "timeout", required_argument, NULL, 't' },
	{ "config", required_argument, NULL, 'c' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void die(int status, const char *fmt, const char *arg)
{
	fprintf(stderr, "socksify: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(status);
}

static void usage_error(const char *what)
{
	fprintf(stderr, "socksify: %s\nTry 'socksify --help' for more information.\n", what);
	exit(EXIT_USAGE);
}

static void set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		die(1, "cannot set %s", name);
}

/* Paths are made absolute: the command may change directory before connecting. */
static void set_env_path(const char *name, const char *path)
{
	char abs[PATH_MAX];

	if (realpath(path, abs) == NULL)
		die(EXIT_USAGE, "%s: no such file", path);
	set_env(name, abs);
}

static int parse_options(int argc, char **argv, int *verbosity)
{
	int c;

	while ((c = getopt_long(argc, argv, "+p:u:d:t:c:qvh", long_options, NULL)) != -1) {
		switch (c) {
		case 'p': set_env("SOCKSIFY_PROXY", optarg); break;
		case 'u': set_env("SOCKSIFY_USER", optarg); break;
		case 'd': set_env("SOCKSIFY_DIRECT", optarg); break;
		case 't': set_env("SOCKSIFY_TIMEOUT", optarg); break;
		case 'c': set_env_path("SOCKSIFY_CONF", optarg); break;
		case OPT_PASSWORD_FILE: set_env_path("SOCKSIFY_PASSWORD_FILE", optarg); break;
		case 'q': (*verbosity)--; break;
		case 'v': (*verbosity)++; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case OPT_VERSION: puts("socksify " SOCKSIFY_VERSION); exit(0);
		default: usage_error("invalid option");
		}
	}
	if (optind >= argc)
		usage_error("no command given");
	return optind;
}

/* dir + suffix into out, if it fits and names a readable file. */
static bool try_library(char out[PATH_MAX], const char *dir, const char *suffix)
{
	size_t dl = strlen(dir), sl = strlen(suffix);

	if (dl + sl >= PATH_MAX)
		return false;
	memcpy(out, dir, dl);
	memcpy(out + dl, suffix, sl + 1);
	return access(out, R_OK) == 0;
}

/* Next to the command in the build tree, then the installed places. */
static void find_library(char out[PATH_MAX])
{
	char self[PATH_MAX], resolved[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *env = getenv("SOCKSIFY_LIBRARY");

	if (env != NULL && *env == '/' && try_library(out, env, ""))
		return;
	if (n > 0) {
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		if (try_library(out, self, "/libsocksify.so"))
			return;
		if (try_library(out, self, "/../lib/socksify/libsocksify.so") &&
		    realpath(out, resolved) != NULL && try_library(out, resolved, ""))
			return;
	}
	if (!try_library(out, SOCKSIFY_LIBDIR, "/libsocksify.so"))
		die(1, "cannot find libsocksify.so (looked beside the command and in %s)",
		    SOCKSIFY_LIBDIR);
}

/* ld.so separates LD_PRELOAD entries with colons or spaces. */
static bool preload_names(const char *list, const char *lib)
{
	size_t n = strlen(lib);

	for (const char *p = list; *p != '\0';) {
		size_t len = strcspn(p, ": ");
		if (len == n && memcmp(p, lib, n) == 0)
			return true;
		p += len;
		p += *p != '\0';
	}
	return false;
}

static void set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;

	if (old != NULL && preload_names(old, lib))
		return;
	if (old == NULL || *old == '\0')
		value = strdup(lib);
	else if (asprintf(&value, "%s:%s", lib, old) < 0)
		value = NULL;
	if (value == NULL)
		die(1, "%s", strerror(ENOMEM));
	set_env("LD_PRELOAD", value);
	free(value);
}

/* Checks what the library will read, so mistakes show before the command runs. */
static void check_config(int verbosity)
{
	struct config cfg;
	int level;

	if (!config_load(&cfg))
		die(EXIT_USAGE, "%s", cfg.error);
	if (!cfg.has_proxy)
		die(EXIT_USAGE, "%s",
		    "no proxy configured: use -p socks5://host:port, SOCKSIFY_PROXY, or proxy = ... in socksify.conf");
	level = cfg.log_level + verbosity;
	level = level < LOG_SILENT ? LOG_SILENT : level > LOG_DEBUG ? LOG_DEBUG : level;
	set_env("SOCKSIFY_LOG", log_level_name(level));
	memset(&cfg, 0, sizeof(cfg));
}

int main(int argc, char **argv)
{
	char lib[PATH_MAX];
	int verbosity = 0;
	int first = parse_options(argc, argv, &verbosity);

	check_config(verbosity);
	find_library(lib);
	set_preload(lib);
	execvp(argv[first], argv + first);
	if (errno == ENOENT)
		die(EXIT_NOT_FOUND, "%s: command not found", argv[first]);
	fprintf(stderr, "socksify: %s: %s\n", argv[first], strerror(errno));
	return EXIT_CANNOT_RUN;
}
