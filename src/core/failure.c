#include "failure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/*
 * Line templates name the context fields: %P proxy, %D destination,
 * %U username, %X detail, %C command, %R code (hex), %E errno text,
 * %T timeout in seconds. errno 0 means "the one in ctx->sys_errno".
 */
/* Arrays, not pointers: no relocation for ld.so to apply at every start. */
static const struct {
	int err;
	char line[160];
} table[FAIL_COUNT] = {
	[FAIL_NONE] = { 0, "no failure" },
	[FAIL_NO_PROXY] = { ENETUNREACH,
		"no proxy configured (set SOCKSIFY_PROXY or proxy in socksify.conf); not connecting to %D directly" },
	[FAIL_BAD_CONFIG] = { ENETUNREACH,
		"configuration unusable (see the error above); not connecting to %D directly" },
	[FAIL_NO_RESOURCES] = { 0,
		"cannot read the configuration (%E); not connecting to %D directly" },
	[FAIL_UNKNOWN_PLACEHOLDER] = { ECONNREFUSED,
		"%D is a fake-DNS placeholder this process tree never handed out (resolved elsewhere, or cached from an earlier run); not connecting" },
	[FAIL_PROXY_RESOLVE] = { EHOSTUNREACH,
		"cannot resolve proxy host %P: %X" },
	[FAIL_FAMILY] = { ENETUNREACH,
		"cannot reach proxy %P from this socket (%X); not connecting to %D" },
	[FAIL_PROXY_CONNECT] = { 0,
		"cannot connect to proxy %P: %E" },
	[FAIL_PROXY_SILENT] = { ETIMEDOUT,
		"proxy %P did not answer within %T s (connecting to %D)" },
	[FAIL_PROXY_CLOSED] = { ECONNRESET,
		"proxy %P closed the connection during the handshake (connecting to %D)" },
	[FAIL_PROXY_IO] = { 0,
		"connection to proxy %P failed during the handshake: %E" },
	[FAIL_MALFORMED] = { ECONNRESET,
		"proxy %P sent a malformed reply (%X)" },
	[FAIL_NO_METHOD] = { EACCES,
		"proxy %P accepted none of the offered authentication methods (%X)" },
	[FAIL_METHOD_NOT_OFFERED] = { ECONNRESET,
		"proxy %P chose authentication method %R, which was not offered" },
	[FAIL_AUTH_REJECTED] = { EACCES,
		"proxy %P rejected username \"%U\"" },
	[FAIL_REP_GENERAL] = { ECONNREFUSED,
		"proxy %P: general failure for %D" },
	[FAIL_REP_NOT_ALLOWED] = { EACCES,
		"proxy %P: %C to %D not allowed by its rules" },
	[FAIL_REP_NET_UNREACHABLE] = { ENETUNREACH,
		"proxy %P: network unreachable for %D" },
	[FAIL_REP_HOST_UNREACHABLE] = { EHOSTUNREACH,
		"proxy %P: host unreachable for %D" },
	[FAIL_REP_REFUSED] = { ECONNREFUSED,
		"proxy %P: %D refused the connection" },
	[FAIL_REP_TTL_EXPIRED] = { ETIMEDOUT,
		"proxy %P: %D timed out (TTL expired)" },
	[FAIL_REP_CMD_UNSUPPORTED] = { ECONNREFUSED,
		"proxy %P does not support the %C command" },
	[FAIL_REP_ATYP_UNSUPPORTED] = { ECONNREFUSED,
		"proxy %P does not support the address type of %D" },
	[FAIL_REP_UNKNOWN] = { ECONNREFUSED,
		"proxy %P answered %D with unknown reply code %R" },
};

int failure_errno(enum failure f, const struct failure_ctx *ctx)
{
	if (f <= FAIL_NONE || f >= FAIL_COUNT)
		return EIO;
	if (table[f].err != 0)
		return table[f].err;
	return ctx->sys_errno != 0 ? ctx->sys_errno : EIO;
}

enum failure failure_from_rep(int rep)
{
	static const enum failure by_rep[] = {
		FAIL_NONE,
		FAIL_REP_GENERAL,
		FAIL_REP_NOT_ALLOWED,
		FAIL_REP_NET_UNREACHABLE,
		FAIL_REP_HOST_UNREACHABLE,
		FAIL_REP_REFUSED,
		FAIL_REP_TTL_EXPIRED,
		FAIL_REP_CMD_UNSUPPORTED,
		FAIL_REP_ATYP_UNSUPPORTED,
	};

	const int count = (int)(sizeof(by_rep) / sizeof(by_rep[0]));

	if (rep <= 0 || rep >= count)
		return FAIL_REP_UNKNOWN;
	return by_rep[rep];
}

/* Control characters are escaped: a field must not split or forge a line. */
static void put(char *out, unsigned cap, unsigned *pos, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (s == NULL)
		s = "?";
	for (; *s != '\0' && *pos + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != 0x7f) {
			out[(*pos)++] = (char)c;
			continue;
		}
		if (*pos + 5 > cap)
			break;
		out[(*pos)++] = '\\';
		out[(*pos)++] = 'x';
		out[(*pos)++] = hex[c >> 4];
		out[(*pos)++] = hex[c & 0xf];
	}
}

static void put_field(char *out, unsigned cap, unsigned *pos, char field,
		      const struct failure_ctx *ctx)
{
	char num[128]; /* also an errno's text */

	switch (field) {
	case 'P': put(out, cap, pos, ctx->proxy); break;
	case 'D': put(out, cap, pos, ctx->dest); break;
	case 'U': put(out, cap, pos, ctx->user); break;
	case 'X': put(out, cap, pos, ctx->detail); break;
	case 'C': put(out, cap, pos, ctx->command ? ctx->command : "CONNECT"); break;
	case 'E': put(out, cap, pos, strerror_r(ctx->sys_errno, num, sizeof(num))); break;
	case 'R':
		snprintf(num, sizeof(num), "0x%02x", ctx->code & 0xff);
		put(out, cap, pos, num);
		break;
	case 'T':
		if (ctx->timeout_ms % 1000 == 0)
			snprintf(num, sizeof(num), "%d", ctx->timeout_ms / 1000);
		else
			snprintf(num, sizeof(num), "%d.%03d", ctx->timeout_ms / 1000, ctx->timeout_ms % 1000);
		put(out, cap, pos, num);
		break;
	default:
		put(out, cap, pos, "%");
		break;
	}
}

void failure_format(enum failure f, const struct failure_ctx *ctx, char *out, unsigned cap)
{
	const char *t = (f > FAIL_NONE && f < FAIL_COUNT) ? table[f].line : "unknown failure";
	unsigned pos = 0;

	if (cap == 0)
		return;
	for (; *t != '\0' && pos + 1 < cap; t++) {
		if (*t == '%' && t[1] != '\0')
			put_field(out, cap, &pos, *++t, ctx);
		else
			out[pos++] = *t;
	}
	out[pos] = '\0';
}

int failure_report(enum failure f, const struct failure_ctx *ctx)
{
	char line[LOG_LINE_MAX];

	failure_format(f, ctx, line, sizeof(line));
	log_line(LOG_ERROR, line);
	return failure_errno(f, ctx);
}
