/*
 * libFuzzer harness for proxy URLs (url_parse_proxy, include/url.h).
 *
 * Each input, cut at its first NUL, is parsed from an exactly-sized heap
 * copy. A rejected URL gets a static description that lies outside the
 * text (it must never quote it: it may hold a password). An accepted one
 * has a host of 1 to 255 bytes without '/', a port from 1, a user of 1 to
 * 255 bytes when there is one, and a password only with a user. It is
 * then written out again twice, and both must parse to the same fields:
 * every user and password byte as %XX with socks5h:// and an explicit
 * port, and with only the bytes that need it escaped, SOCKS5:// in
 * capitals, no port when it is 1080 and a trailing '/'.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *       tests/fuzz/fuzz_url.c src/util/url.c -o /tmp/fuzz_url
 *   /tmp/fuzz_url -dict=tests/fuzz/fuzz_url.dict tests/fuzz/corpus/url
 */
#include "url.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 9 + 3 * 255 + 1 + 3 * 255 + 1 + 257 + 6 + 1 + 1 */
#define URL_TEXT_MAX 2048

static size_t put_escaped(char *out, const char *in, size_t len, const char *special)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (special == NULL || c == '\0' || c == '%' || strchr(special, c) != NULL) {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

/* special NULL: escape every user and password byte. */
static void write_url(char *out, const struct proxy_url *u, const char *scheme, const char *special,
		      int always_port)
{
	size_t n = (size_t)sprintf(out, "%s", scheme);

	if (u->has_user) {
		n += put_escaped(out + n, u->user, u->user_len, special ? ":" : NULL);
		if (u->has_pass) {
			out[n++] = ':';
			n += put_escaped(out + n, u->pass, u->pass_len, special);
		}
		out[n++] = '@';
	}
	if (strchr(u->host, ':') != NULL || u->host[0] == '[')
		n += (size_t)sprintf(out + n, "[%s]", u->host);
	else
		n += (size_t)sprintf(out + n, "%s", u->host);
	if (always_port || u->port != 1080)
		n += (size_t)sprintf(out + n, ":%u", u->port);
	if (!always_port)
		out[n++] = '/';
	out[n] = '\0';
	assert(n < URL_TEXT_MAX);
}

static void same_url(const struct proxy_url *a, const struct proxy_url *b)
{
	assert(strcmp(a->host, b->host) == 0 && a->port == b->port);
	assert(a->has_user == b->has_user && a->has_pass == b->has_pass);
	assert(a->user_len == b->user_len && memcmp(a->user, b->user, a->user_len) == 0);
	assert(a->pass_len == b->pass_len && memcmp(a->pass, b->pass, a->pass_len) == 0);
}

static void round_trip(const struct proxy_url *u, const char *scheme, const char *special,
		       int always_port)
{
	static char text[URL_TEXT_MAX];
	struct proxy_url again;
	const char *why = NULL;

	write_url(text, u, scheme, special, always_port);
	assert(url_parse_proxy(text, &again, &why));
	same_url(u, &again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_url u;
	const char *why = NULL;
	size_t len = strnlen((const char *)data, size);
	char *text = malloc(len + 1);

	memcpy(text, data, len);
	text[len] = '\0';
	if (!url_parse_proxy(text, &u, &why)) {
		assert(why != NULL && *why != '\0');
		assert(why + strlen(why) < text || why > text + len);
		free(text);
		return 0;
	}
	free(text);

	assert(u.host[0] != '\0' && strlen(u.host) <= 255 && strchr(u.host, '/') == NULL);
	assert(u.port != 0);
	assert(!u.has_pass || u.has_user);
	if (u.has_user)
		assert(u.user_len >= 1 && u.user_len <= 255 && u.user[u.user_len] == '\0');
	else
		assert(u.user_len == 0);
	assert(u.pass_len <= 255 && u.pass[u.pass_len] == '\0');

	round_trip(&u, "socks5h://", NULL, 1);
	round_trip(&u, "SOCKS5://", "", 0);
	return 0;
}
