#include "url.h"

#include <string.h>
#include <strings.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX escapes of in[0..len) into out (255 bytes at most). */
static bool percent_decode(const char *in, size_t len, char out[256], size_t *out_len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return false;
			hi = hex_value(in[i + 1]);
			lo = hex_value(in[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = hi << 4 | lo;
			i += 2;
		}
		if (n == 255)
			return false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*out_len = n;
	return true;
}

static const char *skip_scheme(const char *text, const char **why)
{
	static const char schemes[][12] = { "socks5://", "socks5h://" };
	const char *sep = strstr(text, "://");

	if (sep == NULL)
		return text;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);
		if (strncasecmp(text, schemes[i], n) == 0)
			return text + n;
	}
	*why = "unsupported scheme (socksify speaks socks5:// and socks5h://)";
	return NULL;
}

static bool parse_userinfo(const char *s, size_t len, struct proxy_url *out, const char **why)
{
	const char *colon = memchr(s, ':', len);
	size_t user_len = colon ? (size_t)(colon - s) : len;

	if (!percent_decode(s, user_len, out->user, &out->user_len) || out->user_len == 0) {
		*why = "bad username in proxy URL (1 to 255 bytes, %XX escapes)";
		return false;
	}
	out->has_user = true;
	if (colon == NULL)
		return true;
	if (!percent_decode(colon + 1, len - user_len - 1, out->pass, &out->pass_len)) {
		*why = "bad password in proxy URL (at most 255 bytes, %XX escapes)";
		return false;
	}
	out->has_pass = true;
	return true;
}

static bool parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long n = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n == 0 || n > 65535)
		return false;
	*port = (uint16_t)n;
	return true;
}

static bool parse_hostport(const char *s, size_t len, struct proxy_url *out, const char **why)
{
	const char *host = s, *port = NULL;
	size_t host_len;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL) {
			*why = "unterminated [IPv6] literal in proxy URL";
			return false;
		}
		host = s + 1;
		host_len = (size_t)(close - host);
		if ((size_t)(close + 1 - s) < len) {
			if (close[1] != ':') {
				*why = "junk after ] in proxy URL";
				return false;
			}
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		host_len = colon ? (size_t)(colon - s) : len;
		if (colon != NULL)
			port = colon + 1;
	}
	if (host_len == 0 || host_len > 255 || memchr(host, '/', host_len) != NULL) {
		*why = "missing or bad host in proxy URL";
		return false;
	}
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';
	out->port = 1080;
	if (port != NULL && !parse_port(port, (size_t)(s + len - port), &out->port)) {
		*why = "bad port in proxy URL (1 to 65535)";
		return false;
	}
	return true;
}

bool url_parse_proxy(const char *text, struct proxy_url *out, const char **why)
{
	const char *rest, *at, *end;

	memset(out, 0, sizeof(*out));
	rest = skip_scheme(text, why);
	if (rest == NULL)
		return false;
	end = rest + strlen(rest);
	if (end > rest && end[-1] == '/')
		end--;
	at = NULL;
	for (const char *p = rest; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		if (!parse_userinfo(rest, (size_t)(at - rest), out, why))
			return false;
		rest = at + 1;
	}
	return parse_hostport(rest, (size_t)(end - rest), out, why);
}
