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

#include "check.h"
#include "config.h"
#include "detect.h"
#include "export.h"
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
	"       socksify [options] --export      (or: socksify shell-init [options])\n"
	"       socksify [options] --check [HOST:PORT]\n"
	"Run COMMAND with its TCP connections, UDP datagrams and host name lookups\n"
	"going through a SOCKS5 proxy.\n"
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
	"      --strict             refuse (exit 126) a COMMAND that would not be proxied:\n"
	"                           statically linked, setuid, setgid, file capabilities\n"
	"      --export             print sh lines for a shell profile that preload socksify\n"
	"                           with these options: eval \"$(socksify --export -p URL)\"\n"
	"      --check [HOST:PORT]  try the proxy step by step (connect, negotiate, authenticate,\n"
	"                           CONNECT to HOST:PORT by name, UDP) and say what fails;\n"
	"                           exit 0 if TCP through it works, 1 if not\n"
	"  -h, --help               show this help\n"
	"      --version            show the version\n"
	"\n"
	"The password can also come from SOCKSIFY_PASSWORD or password_file in the\n"
	"configuration file; see socksify(1) and socksify.conf(5).\n";

enum { OPT_PASSWORD_FILE = 256, OPT_VERSION, OPT_STRICT, OPT_EXPORT, OPT_CHECK };

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
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "export", no_argument, NULL, OPT_EXPORT },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ NULL, 0, NULL, 0 },
};

/* What the command line asked for, beyond the variables its options set. */
struct cli {
	int verbosity;
	bool strict, export, check;
	const char *set[8]; /* the SOCKSIFY_* variables the options set, for --export */
	size_t nset;
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

/* name is among the variables --export prints. */
static void remember(struct cli *cli, const char *name)
{
	for (size_t i = 0; i < cli->nset; i++)
		if (strcmp(cli->set[i], name) == 0)
			return;
	cli->set[cli->nset++] = name;
}

static void set_option(struct cli *cli, const char *name, const char *value)
{
	set_env(name, value);
	remember(cli, name);
}

/* Paths are made absolute: the command may change directory before connecting. */
static void set_option_path(struct cli *cli, const char *name, const char *path)
{
	char abs[PATH_MAX];

	if (realpath(path, abs) == NULL)
		die(EXIT_USAGE, "%s: no such file", path);
	set_option(cli, name, abs);
}

static void parse_option_list(int argc, char **argv, struct cli *cli)
{
	int c;

	while ((c = getopt_long(argc, argv, "+p:u:d:t:c:qvh", long_options, NULL)) != -1) {
		switch (c) {
		case 'p': set_option(cli, "SOCKSIFY_PROXY", optarg); break;
		case 'u': set_option(cli, "SOCKSIFY_USER", optarg); break;
		case 'd': set_option(cli, "SOCKSIFY_DIRECT", optarg); break;
		case 't': set_option(cli, "SOCKSIFY_TIMEOUT", optarg); break;
		case 'c': set_option_path(cli, "SOCKSIFY_CONF", optarg); break;
		case OPT_PASSWORD_FILE: set_option_path(cli, "SOCKSIFY_PASSWORD_FILE", optarg); break;
		/* the level itself is set once the configuration is read */
		case 'q': cli->verbosity--; remember(cli, "SOCKSIFY_LOG"); break;
		case 'v': cli->verbosity++; remember(cli, "SOCKSIFY_LOG"); break;
		case OPT_STRICT: cli->strict = true; break;
		case OPT_EXPORT: cli->export = true; break;
		case OPT_CHECK: cli->check = true; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case OPT_VERSION: puts("socksify " SOCKSIFY_VERSION); exit(0);
		default: usage_error("invalid option");
		}
	}
}

static int parse_options(int argc, char **argv, struct cli *cli)
{
	parse_option_list(argc, argv, cli);
	/* "shell-init" is --export, and options may follow it; after "--" it is a command */
	if (optind < argc && strcmp(argv[optind], "shell-init") == 0 &&
	    strcmp(argv[optind - 1], "--") != 0) {
		cli->export = true;
		optind++;
		parse_option_list(argc, argv, cli);
	}
	if (cli->export && optind < argc)
		usage_error("--export takes no command");
	if (!cli->export && !cli->check && optind >= argc)
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

/* Checks what the library will read, so mistakes show before the command runs; the log level. */
static int check_config(int verbosity)
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
	return level;
}

/* --export: the profile lines on stdout. */
static int export_profile(const char *lib, const struct cli *cli)
{
	const char *why;

	if (!export_print(stdout, lib, cli->set, cli->nset, &why))
		die(EXIT_USAGE, "%s", why);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ld.so never sees LD_PRELOAD in some programs: say so rather than proxy nothing in silence. */
static void warn_unproxied(const char *cmd, int level, bool strict)
{
	char why[DETECT_WHY_MAX];

	if (!detect_unproxied(cmd, why, sizeof(why)))
		return;
	if (strict)
		die(EXIT_CANNOT_RUN, "%s; not running it (--strict)", why);
	if (level >= LOG_WARN)
		fprintf(stderr, "socksify: %s\n", why);
}

int main(int argc, char **argv)
{
	char lib[PATH_MAX];
	struct cli cli = { 0 };
	int first = parse_options(argc, argv, &cli);

	if (cli.check)
		return check_main(argc - first, argv + first, cli.verbosity);
	int level = check_config(cli.verbosity);

	find_library(lib);
	if (cli.export)
		return export_profile(lib, &cli);
	set_preload(lib);
	warn_unproxied(argv[first], level, cli.strict);
	execvp(argv[first], argv + first);
	if (errno == ENOENT)
		die(EXIT_NOT_FOUND, "%s: command not found", argv[first]);
	fprintf(stderr, "socksify: %s: %s\n", argv[first], strerror(errno));
	return EXIT_CANNOT_RUN;
}
