#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakedns.h"
#include "file.h"
#include "log.h"
#include "real.h"
#include "url.h"

#define FILE_MAX ((size_t)64 * 1024)
#define SECRET_LINE_MAX 1024

/* Records "where: what[: extra]" and returns false; truncates long paths. */
static bool fail(struct config *cfg, const char *where, const char *what, const char *extra)
{
	size_t cap = sizeof(cfg->error), n = 0;
	const char *parts[] = { where, ": ", what, extra ? ": " : "", extra ? extra : "" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *c = parts[i]; *c != '\0' && n + 1 < cap; c++)
			cfg->error[n++] = *c;
	cfg->error[n] = '\0';
	return false;
}

typedef bool (*setter)(struct config *cfg, const char *value, const char **why);

static bool set_string(char *dst, size_t cap, size_t *len, const char *value, bool allow_empty)
{
	size_t n = strlen(value);

	if (n >= cap || (n == 0 && !allow_empty))
		return false;
	memcpy(dst, value, n + 1);
	if (len != NULL)
		*len = n;
	return true;
}

static bool set_proxy(struct config *cfg, const char *value, const char **why)
{
	struct proxy_url url;

	if (!url_parse_proxy(value, &url, why))
		return false;
	memcpy(cfg->proxy_host, url.host, sizeof(cfg->proxy_host));
	cfg->proxy_port = url.port;
	cfg->has_proxy = true;
	if (url.has_user) {
		memcpy(cfg->user, url.user, sizeof(cfg->user));
		cfg->user_len = url.user_len;
		cfg->has_user = true;
	}
	if (url.has_pass) {
		memcpy(cfg->pass, url.pass, sizeof(cfg->pass));
		cfg->pass_len = url.pass_len;
		cfg->has_pass = true;
	}
	return true;
}

static bool set_user(struct config *cfg, const char *value, const char **why)
{
	*why = "username must be 1 to 255 bytes";
	cfg->has_user = set_string(cfg->user, sizeof(cfg->user), &cfg->user_len, value, false);
	return cfg->has_user;
}

static bool set_password(struct config *cfg, const char *value, const char **why)
{
	*why = "password must be at most 255 bytes";
	cfg->has_pass = set_string(cfg->pass, sizeof(cfg->pass), &cfg->pass_len, value, true);
	cfg->pass_from_file = false;
	return cfg->has_pass;
}

/* The first line of the file, without its line ending. */
/* A password others can read is no secret: said, not refused. */
static void warn_if_readable(struct config *cfg, int fd, const char *what, const char *path)
{
	struct stat st;

	if (real_fstat(fd, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		snprintf(cfg->warning, sizeof(cfg->warning),
			 "%s %s holds a password and other users can read it (chmod 600 it)", what, path);
}

static bool set_password_file(struct config *cfg, const char *value, const char **why)
{
	char buf[SECRET_LINE_MAX];
	ssize_t n;
	int fd = open(value, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		cfg->sys_errno = errno;
		*why = "cannot open the password file";
		return false;
	}
	warn_if_readable(cfg, fd, "password file", value);
	n = real()->read(fd, buf, sizeof(buf) - 1);
	real()->close(fd);
	if (n < 0) {
		*why = "cannot read the password file";
		return false;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	bool ok = set_password(cfg, buf, why);
	memset(buf, 0, sizeof(buf));
	cfg->pass_from_file = ok;
	return ok;
}

static bool set_direct(struct config *cfg, const char *value, const char **why)
{
	const char *p = value;

	*why = "direct takes comma-separated addresses or CIDRs (127.0.0.0/8,::1), or none";
	cfg->ndirect = 0;
	if (strcmp(value, "none") == 0)
		return true;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		const char *start = p, *end = p + len;

		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (cfg->ndirect == CONFIG_MAX_DIRECT) {
			*why = "too many direct entries";
			return false;
		}
		if (!cidr_parse(start, (size_t)(end - start), &cfg->direct[cfg->ndirect]))
			return false;
		cfg->ndirect++;
		p += len;
		if (*p == ',')
			p++;
	}
	return cfg->ndirect > 0;
}

/* Patterns are kept lowercase and without spaces: names are compared so. */
static bool set_direct_hosts(struct config *cfg, const char *value, const char **why)
{
	size_t n = 0;

	*why = "direct_hosts takes comma-separated names or patterns (intranet, *.corp.example, .corp.example)";
	for (const char *p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t')
			continue;
		if (c < 0x21 || c > 0x7e || n + 1 >= sizeof(cfg->direct_hosts))
			return false;
		cfg->direct_hosts[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	cfg->direct_hosts[n] = '\0';
	return true;
}

/* One IPv4 and/or one IPv6 range, comma-separated. */
static bool set_fake_range(struct config *cfg, const char *value, const char **why)
{
	const char *p = value;

	*why = "fake_range takes an IPv4 CIDR of /30 or larger and/or an IPv6 CIDR of /126 or larger";
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		struct cidr c;
		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!cidr_parse(p, len, &c))
			return false;
		if (c.family == AF_INET && c.prefix <= 30)
			cfg->fake_range4 = c;
		else if (c.family == AF_INET6 && c.prefix <= 126)
			cfg->fake_range6 = c;
		else
			return false;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return true;
}

static bool parse_bool(const char *value, bool *out)
{
	static const char yes[][6] = { "on", "yes", "true", "1" };
	static const char no[][6] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
			*out = strcasecmp(value, yes[i]) == 0;
			return true;
		}
	}
	return false;
}

static bool set_fake_ipv6(struct config *cfg, const char *value, const char **why)
{
	*why = "fake_ipv6 is on or off";
	return parse_bool(value, &cfg->fake_ipv6);
}

static bool set_dns_intercept(struct config *cfg, const char *value, const char **why)
{
	*why = "dns_intercept is on or off";
	return parse_bool(value, &cfg->dns_intercept);
}

static bool set_dns_upstream(struct config *cfg, const char *value, const char **why)
{
	*why = "dns_upstream is an IP address with an optional port (203.0.113.53:53, [2001:db8::53]:53) or none";
	if (strcasecmp(value, "none") == 0 || value[0] == '\0') {
		memset(&cfg->dns_upstream, 0, sizeof(cfg->dns_upstream));
		return true;
	}
	return addr_parse(value, 53, &cfg->dns_upstream);
}

/* Seconds, with up to three decimals: "10", "2.5". */
static bool set_timeout(struct config *cfg, const char *value, const char **why)
{
	char *end;
	double s;

	*why = "timeout is in seconds, from 0.001 to 3600 (e.g. 10 or 2.5)";
	errno = 0;
	s = strtod(value, &end);
	if (errno != 0 || end == value || *end != '\0' || !(s >= 0.001 && s <= 3600))
		return false;
	cfg->timeout_ms = (int)(s * 1000 + 0.5);
	return true;
}

static bool set_log(struct config *cfg, const char *value, const char **why)
{
	*why = "log is one of silent, error, warn, info, debug (or 0-4)";
	cfg->log_level = log_level_parse(value);
	if (cfg->log_level >= 0)
		return true;
	cfg->log_level = LOG_DEFAULT;
	return false;
}

static bool set_log_file(struct config *cfg, const char *value, const char **why)
{
	*why = "log_file must be a path";
	return set_string(cfg->log_file, sizeof(cfg->log_file), NULL, value, false);
}

/* Order matters in the environment: explicit credentials beat the URL's. */
static const struct key {
	char name[16];
	char env[32];
	setter set;
} keys[] = {
	{ "proxy", "SOCKSIFY_PROXY", set_proxy },
	{ "user", "SOCKSIFY_USER", set_user },
	{ "password", "SOCKSIFY_PASSWORD", set_password },
	{ "password_file", "SOCKSIFY_PASSWORD_FILE", set_password_file },
	{ "direct", "SOCKSIFY_DIRECT", set_direct },
	{ "direct_hosts", "SOCKSIFY_DIRECT_HOSTS", set_direct_hosts },
	{ "fake_range", "SOCKSIFY_FAKE_RANGE", set_fake_range },
	{ "fake_ipv6", "SOCKSIFY_FAKE_IPV6", set_fake_ipv6 },
	{ "dns_intercept", "SOCKSIFY_DNS_INTERCEPT", set_dns_intercept },
	{ "dns_upstream", "SOCKSIFY_DNS_UPSTREAM", set_dns_upstream },
	{ "timeout", "SOCKSIFY_TIMEOUT", set_timeout },
	{ "log", "SOCKSIFY_LOG", set_log },
	{ "log_file", "SOCKSIFY_LOG_FILE", set_log_file },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void config_defaults(struct config *cfg)
{
	static const char default_direct[] = "127.0.0.0/8,::1";
	static const char default_fake[] = FAKEDNS_DEFAULT_RANGE4 "," FAKEDNS_DEFAULT_RANGE6;
	const char *unused;

	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout_ms = CONFIG_DEFAULT_TIMEOUT_MS;
	cfg->log_level = LOG_DEFAULT;
	cfg->fake_ipv6 = true;
	cfg->dns_intercept = true;
	set_direct(cfg, default_direct, &unused);
	set_fake_range(cfg, default_fake, &unused);
}

bool config_set(struct config *cfg, const char *key, const char *value, const char *where)
{
	const char *why = "";

	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, key) != 0)
			continue;
		if (keys[i].set(cfg, value, &why))
			return true;
		return fail(cfg, where, why, NULL);
	}
	return fail(cfg, where, "unknown key", key);
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

/* A '#' opens a comment at the start of a value or after white space. */
static void strip_comment(char *value)
{
	for (char *p = value; *p != '\0'; p++) {
		if (*p == '#' && (p == value || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

/*
 * A value in double quotes runs to the last quote on the line, so it may
 * hold spaces and " #"; only a comment may follow it.
 */
static char *parse_value(char *text, const char **why)
{
	char *close = strrchr(text, '"');

	*why = NULL;
	if (text[0] != '"' || close == text) {
		strip_comment(text);
		return trim(text);
	}
	char *after = trim(close + 1);
	if (*after != '\0' && *after != '#') {
		*why = "only a comment may follow a quoted value";
		return NULL;
	}
	*close = '\0';
	return text + 1;
}

static bool parse_line(struct config *cfg, char *line, const char *where)
{
	char *eq, *key, *value;
	const char *why;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return true;
	eq = strchr(line, '=');
	if (eq == NULL)
		return fail(cfg, where, "expected \"key = value\"", NULL);
	*eq = '\0';
	key = trim(line);
	if (*key == '\0')
		return fail(cfg, where, "missing key before \"=\"", NULL);
	value = parse_value(trim(eq + 1), &why);
	if (value == NULL)
		return fail(cfg, where, why, NULL);
	return config_set(cfg, key, value, where);
}

bool config_parse_text(struct config *cfg, const char *text, size_t len, const char *path)
{
	char line[1024], where[PATH_MAX + 16];
	size_t lineno = 0, pos = 0;
	bool ok = true;

	while (ok && pos < len) {
		size_t n = 0;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		if (line_len >= sizeof(line) || memchr(text + pos, '\0', line_len) != NULL) {
			ok = fail(cfg, where, "line too long or not text", NULL);
			break;
		}
		n = line_len;
		memcpy(line, text + pos, n);
		line[n] = '\0';
		ok = parse_line(cfg, line, where);
		pos += line_len + 1;
	}
	memset(line, 0, sizeof(line));
	return ok;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

void config_file_path(char out[PATH_MAX])
{
	const char *explicit = getenv("SOCKSIFY_CONF");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	out[0] = '\0';
	if (explicit != NULL && *explicit != '\0') {
		snprintf(out, PATH_MAX, "%s", explicit);
		return;
	}
	if (xdg != NULL && *xdg == '/')
		snprintf(out, PATH_MAX, "%s/socksify/socksify.conf", xdg);
	else if (home != NULL && *home == '/')
		snprintf(out, PATH_MAX, "%s/.config/socksify/socksify.conf", home);
	if (out[0] != '\0' && file_exists(out))
		return;
	snprintf(out, PATH_MAX, "/etc/socksify.conf");
	if (!file_exists(out))
		out[0] = '\0';
}

/* The text may hold a password: wiped before it is freed. */
static bool load_file(struct config *cfg, const char *path)
{
	size_t len;
	char *text = file_read_all(path, FILE_MAX, &len);
	bool ok;

	if (text == NULL && errno == EFBIG)
		return fail(cfg, path, "larger than 64 KiB", NULL);
	if (text == NULL) {
		cfg->sys_errno = errno;
		return fail(cfg, path, "cannot open", strerror(errno));
	}
	ok = config_parse_text(cfg, text, len, path);
	memset(text, 0, len);
	free(text);
	if (ok && cfg->has_pass && !cfg->pass_from_file) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			warn_if_readable(cfg, fd, "configuration file", path);
			real()->close(fd);
		}
	}
	return ok;
}

static bool load_env(struct config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const char *value = getenv(keys[i].env);
		if (value != NULL && *value != '\0' && !config_set(cfg, keys[i].name, value, keys[i].env))
			return false;
	}
	return true;
}

bool config_load(struct config *cfg)
{
	config_defaults(cfg);
	config_file_path(cfg->file);
	if (cfg->file[0] != '\0' && !load_file(cfg, cfg->file))
		return false;
	return load_env(cfg);
}

void config_proxy_display(const struct config *cfg, char *out, size_t cap)
{
	if (strchr(cfg->proxy_host, ':') != NULL)
		snprintf(out, cap, "[%s]:%u", cfg->proxy_host, cfg->proxy_port);
	else
		snprintf(out, cap, "%s:%u", cfg->proxy_host, cfg->proxy_port);
}
