/* Proxy URLs: socks5://[user[:pass]@]host[:port] (socks5h:// the same). */
#ifndef SOCKSIFY_URL_H
#define SOCKSIFY_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proxy_url {
	char host[256]; /* brackets removed from IPv6 literals */
	uint16_t port;
	bool has_user, has_pass;
	char user[256];
	char pass[256];
	size_t user_len, pass_len; /* percent-decoding may yield NUL bytes */
};

/*
 * Parses text into out. On failure returns false and points *why at a
 * static description that never contains the text itself (it may hold a
 * password).
 */
bool url_parse_proxy(const char *text, struct proxy_url *out, const char **why);

#endif
