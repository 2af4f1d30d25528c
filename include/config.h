/*
 * Configuration: the wrapper's options (passed on as environment), then
 * SOCKSIFY_* environment variables, then one config file of "key = value"
 * lines. Loaded once, lazily, on the first call that needs it.
 */
#ifndef SOCKSIFY_CONFIG_H
#define SOCKSIFY_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define CONFIG_MAX_DIRECT 64
#define CONFIG_ERROR_MAX 512
#define CONFIG_DEFAULT_TIMEOUT_MS 10000
#define CONFIG_DIRECT_HOSTS_MAX 2048

struct config {
	bool has_proxy;
	char proxy_host[256];
	uint16_t proxy_port;

	bool has_user, has_pass;
	char user[256];
	char pass[256];
	size_t user_len, pass_len;

	struct cidr direct[CONFIG_MAX_DIRECT];
	size_t ndirect;

	/* Name patterns resolved by the real resolver and connected directly:
	 * "name", "*.domain" or ".domain", lowercase, comma-separated. */
	char direct_hosts[CONFIG_DIRECT_HOSTS_MAX];

	struct cidr fake_range4, fake_range6; /* placeholder ranges */
	bool fake_ipv6;                       /* AF_INET6 lookups get IPv6 placeholders */

	/* Programs' own DNS queries to the resolv.conf nameservers (and any
	 * loopback port 53) are answered by the library. */
	bool dns_intercept;
	/* Where queries the table cannot answer (MX, TXT, ...) go, through
	 * the proxy; ss_family 0: nowhere, they are refused. */
	struct sockaddr_storage dns_upstream;

	int timeout_ms;
	int log_level;
	char log_file[PATH_MAX];

	/* The file that was read, if any, for messages. */
	char file[PATH_MAX];
	/* "file:line: what is wrong" or "SOCKSIFY_X: what is wrong"; "" if fine. */
	char error[CONFIG_ERROR_MAX];
	/* With error: the errno of a file that could not be read, 0 if none. */
	int sys_errno;
	/* Something to fix that does not stop socksify: a password others can read. */
	char warning[CONFIG_ERROR_MAX];
	bool pass_from_file; /* the password came from password_file */
};

/* Defaults, then the file, then the environment. false: see cfg->error. */
bool config_load(struct config *cfg);

/* Only defaults: what config_load starts from (for tests and callers). */
void config_defaults(struct config *cfg);

/*
 * Applies one setting. where names its source ("SOCKSIFY_PROXY",
 * "/etc/socksify.conf:12") for the error message. Never copies a value
 * into the message: it may be a password.
 */
bool config_set(struct config *cfg, const char *key, const char *value, const char *where);

/* Parses the text of a config file; path is used in messages. */
bool config_parse_text(struct config *cfg, const char *text, size_t len, const char *path);

/* Which file config_load reads: "" when none exists and none was asked for. */
void config_file_path(char out[PATH_MAX]);

/* The proxy for messages: "host:port", "[v6]:port". */
void config_proxy_display(const struct config *cfg, char *out, size_t cap);

#endif
