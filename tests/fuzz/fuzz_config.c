/*
 * libFuzzer harness for the config-file parser (config_parse_text).
 *
 * Each input is parsed as a config file over the defaults. Success leaves
 * no error and a configuration within its documented ranges; failure
 * leaves one "fuzz.conf:LINE: ..." message. No password may reach the
 * message: the input is parsed a second time with the bytes of every
 * "password = X" value, and the letters g-z of every proxy URL after its
 * "://", swapped for others that play the same part in the syntax, and
 * the outcome and the message must be the same; besides, each password
 * the parser would store (X, or the URL's, at least 4 bytes) may appear
 * in the message only if it appears in the second message as well, where
 * it cannot have come from a password.
 *
 * Inputs naming password_file are skipped: that key opens and reads the
 * file it names (a FIFO or a terminal would block), and the harness does
 * no I/O.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *       tests/fuzz/fuzz_config.c src/core/config.c src/util/url.c src/util/addr.c \
 *       src/util/log.c src/util/file.c src/preload/real.c -o /tmp/fuzz_config
 *   /tmp/fuzz_config -dict=tests/fuzz/fuzz_config.dict tests/fuzz/corpus/config
 */
#include "config.h"

#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "url.h"

#define PATH "fuzz.conf"
#define LINE_MAX_LEN 1023 /* config_parse_text's line buffer, less its NUL */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [*start, *end) without the white space config.c's trim() removes. */
static void trim_span(const char *s, size_t *start, size_t *end)
{
	while (*start < *end && is_blank(s[*start]))
		(*start)++;
	while (*end > *start && (is_blank(s[*end - 1]) || s[*end - 1] == '\r'))
		(*end)--;
}

/* Bytes that shape a value: white space, quotes, comments. NUL and '\n' never occur in a line. */
static bool structural(unsigned char c)
{
	return c == 0 || c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == '"' || c == '#';
}

/* The next byte that plays the same part: a bijection without fixed points. */
static char swap_byte(unsigned char c)
{
	if (structural(c))
		return (char)c;
	do
		c = (unsigned char)(c == 255 ? 1 : c + 1);
	while (structural(c));
	return (char)c;
}

/* g-z stay g-z, G-Z stay G-Z: never a hex digit, never structure. */
static char swap_letter(char c)
{
	if (c >= 'g' && c <= 'z')
		return c == 'z' ? 'g' : (char)(c + 1);
	if (c >= 'G' && c <= 'Z')
		return c == 'Z' ? 'G' : (char)(c + 1);
	return c;
}

/* What config.c's parse_value makes of the value text (already trimmed). */
static bool value_of(const char *text, size_t len, char *out, size_t cap)
{
	char *close, *p;

	if (len >= cap)
		return false;
	memcpy(out, text, len);
	out[len] = '\0';
	close = strrchr(out, '"');
	if (out[0] != '"' || close == out) {
		for (p = out; *p != '\0'; p++)
			if (*p == '#' && (p == out || is_blank(p[-1]))) {
				*p = '\0';
				break;
			}
		size_t s = 0, e = strlen(out);
		trim_span(out, &s, &e);
		out[e] = '\0';
		memmove(out, out + s, e - s + 1);
		return true;
	}
	*close = '\0';
	memmove(out, out + 1, strlen(out + 1) + 1);
	return true;
}

struct secrets {
	char pass[8][256];
	size_t n;
};

static void add_secret(struct secrets *s, const char *pass, size_t len)
{
	if (len >= 4 && len < sizeof(s->pass[0]) && s->n < 8 && strnlen(pass, len) == len) {
		memcpy(s->pass[s->n], pass, len);
		s->pass[s->n++][len] = '\0';
	}
}

/*
 * Writes the variant into alt (same length as data) and collects the
 * passwords the parser would store from password and proxy lines.
 */
static void make_variant(const char *data, size_t size, char *alt, struct secrets *sec)
{
	size_t pos = 0;

	memcpy(alt, data, size);
	sec->n = 0;
	while (pos < size) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl ? (size_t)(nl - data) : size;
		size_t ks = pos, ke, vs, ve;
		const char *eq = memchr(data + pos, '=', end - pos);
		char value[LINE_MAX_LEN + 1];

		if (eq == NULL || end - pos > LINE_MAX_LEN)
			goto next;
		ke = (size_t)(eq - data);
		trim_span(data, &ks, &ke);
		vs = (size_t)(eq - data) + 1;
		ve = end;
		if (ke - ks == 8 && memcmp(data + ks, "password", 8) == 0) {
			for (size_t i = vs; i < ve; i++)
				alt[i] = swap_byte((unsigned char)data[i]);
			trim_span(data, &vs, &ve);
			if (value_of(data + vs, ve - vs, value, sizeof(value)))
				add_secret(sec, value, strlen(value));
		} else if (ke - ks == 5 && memcmp(data + ks, "proxy", 5) == 0) {
			const char *sep = memmem(data + vs, ve - vs, "://", 3);
			size_t from = sep ? (size_t)(sep - data) + 3 : vs;
			struct proxy_url url;
			const char *why;

			for (size_t i = from; i < ve; i++)
				alt[i] = swap_letter(data[i]);
			trim_span(data, &vs, &ve);
			if (value_of(data + vs, ve - vs, value, sizeof(value)) &&
			    url_parse_proxy(value, &url, &why) && url.has_pass)
				add_secret(sec, url.pass, url.pass_len);
		}
next:
		pos = end + 1;
	}
}

static void check_ranges(const struct config *c)
{
	assert(c->error[0] == '\0' && c->warning[0] == '\0');
	if (c->has_proxy)
		assert(c->proxy_host[0] != '\0' && c->proxy_port != 0);
	assert(c->user_len <= 255 && c->user[c->user_len] == '\0');
	assert(c->pass_len <= 255 && c->pass[c->pass_len] == '\0');
	assert(!c->has_user || c->user_len > 0);
	assert(c->ndirect <= CONFIG_MAX_DIRECT);
	for (size_t i = 0; i < c->ndirect; i++) {
		const struct cidr *d = &c->direct[i];
		assert((d->family == AF_INET && d->prefix <= 32) ||
		       (d->family == AF_INET6 && d->prefix <= 128));
	}
	assert(c->fake_range4.family == AF_INET && c->fake_range4.prefix <= 30);
	assert(c->fake_range6.family == AF_INET6 && c->fake_range6.prefix <= 126);
	assert(strnlen(c->direct_hosts, sizeof(c->direct_hosts)) < sizeof(c->direct_hosts));
	for (const char *p = c->direct_hosts; *p != '\0'; p++)
		assert(*p > ' ' && *p < 0x7f && !(*p >= 'A' && *p <= 'Z'));
	assert(c->timeout_ms >= 1 && c->timeout_ms <= 3600 * 1000);
	assert(c->log_level >= LOG_SILENT && c->log_level <= LOG_DEBUG);
	assert(c->dns_upstream.ss_family == 0 || c->dns_upstream.ss_family == AF_INET ||
	       c->dns_upstream.ss_family == AF_INET6);
	assert(strnlen(c->log_file, sizeof(c->log_file)) < sizeof(c->log_file));
	if (c->has_proxy) {
		char shown[300];
		config_proxy_display(c, shown, sizeof(shown));
		assert(strstr(shown, c->proxy_host) != NULL);
		assert((shown[0] == '[') == (strchr(c->proxy_host, ':') != NULL));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg, alt_cfg;
	static struct secrets sec;
	const char *text = (const char *)data;
	char *alt;
	bool ok, alt_ok;

	if (size > 16 * 1024 || memmem(data, size, "password_file", 13) != NULL)
		return 0;

	config_defaults(&cfg);
	ok = config_parse_text(&cfg, text, size, PATH);
	assert(strnlen(cfg.error, sizeof(cfg.error)) < sizeof(cfg.error));
	if (ok)
		check_ranges(&cfg);
	else
		assert(strncmp(cfg.error, PATH ":", strlen(PATH ":")) == 0 &&
		       strlen(cfg.error) > strlen(PATH ":"));

	alt = malloc(size ? size : 1);
	make_variant(text, size, alt, &sec);
	config_defaults(&alt_cfg);
	alt_ok = config_parse_text(&alt_cfg, alt, size, PATH);
	free(alt);

	/* A stored password in the message that is not there without it: a leak. */
	for (size_t i = 0; i < sec.n; i++)
		assert(strstr(cfg.error, sec.pass[i]) == NULL ||
		       strstr(alt_cfg.error, sec.pass[i]) != NULL);
	assert(ok == alt_ok);
	assert(strcmp(cfg.error, alt_cfg.error) == 0);
	assert(strcmp(cfg.warning, alt_cfg.warning) == 0);
	return 0;
}
