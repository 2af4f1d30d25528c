/*
 * Every way a proxied call can fail, each with the errno a direct call
 * would have given and its one log line, in one table (failure.c).
 */
#ifndef SOCKSIFY_FAILURE_H
#define SOCKSIFY_FAILURE_H

enum failure {
	FAIL_NONE = 0,
	FAIL_NO_PROXY,         /* nothing configured: fail closed */
	FAIL_BAD_CONFIG,       /* configuration unusable: fail closed */
	FAIL_NO_RESOURCES,     /* no fd or memory to read the configuration: try again later */
	FAIL_UNKNOWN_PLACEHOLDER, /* a fake-DNS address the table never handed out */
	FAIL_PROXY_RESOLVE,    /* the proxy's host name does not resolve */
	FAIL_FAMILY,           /* socket and proxy address families cannot meet */
	FAIL_PROXY_CONNECT,    /* connecting to the proxy failed (errno in ctx) */
	FAIL_PROXY_SILENT,     /* no complete answer before the deadline */
	FAIL_PROXY_CLOSED,     /* the proxy closed the connection mid-handshake */
	FAIL_PROXY_IO,         /* a send or receive error mid-handshake (errno in ctx) */
	FAIL_MALFORMED,        /* bytes that are not SOCKS5 (detail in ctx) */
	FAIL_NO_METHOD,        /* refused every offered authentication method */
	FAIL_METHOD_NOT_OFFERED,
	FAIL_AUTH_REJECTED,
	FAIL_REP_GENERAL,
	FAIL_REP_NOT_ALLOWED,
	FAIL_REP_NET_UNREACHABLE,
	FAIL_REP_HOST_UNREACHABLE,
	FAIL_REP_REFUSED,
	FAIL_REP_TTL_EXPIRED,
	FAIL_REP_CMD_UNSUPPORTED,
	FAIL_REP_ATYP_UNSUPPORTED,
	FAIL_REP_UNKNOWN,
	FAIL_COUNT
};

/* What a log line may name. NULL fields print as "?". */
struct failure_ctx {
	const char *proxy;       /* "198.51.100.1:1080" */
	const char *dest;        /* "203.0.113.10:80" */
	const char *user;        /* the username, never the password */
	const char *detail;      /* free text, e.g. the codec's error */
	const char *command;     /* "CONNECT", "UDP ASSOCIATE" */
	int code;                /* REP or METHOD byte */
	int sys_errno;           /* for FAIL_PROXY_CONNECT, FAIL_PROXY_IO */
	int timeout_ms;
};

/* The errno the application sees. */
int failure_errno(enum failure f, const struct failure_ctx *ctx);

/* Formats the one line (without "socksify: " or newline). */
void failure_format(enum failure f, const struct failure_ctx *ctx, char *out, unsigned cap);

/* Logs the line at error level and returns failure_errno(). */
int failure_report(enum failure f, const struct failure_ctx *ctx);

/* The failure for a SOCKS5 REP code other than success. */
enum failure failure_from_rep(int rep);

#endif
