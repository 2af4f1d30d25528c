/*
 * The proxy this process uses: configuration loaded once, on the first
 * call that needs it, and the proxy's address resolved then.
 */
#ifndef SOCKSIFY_PROXY_H
#define SOCKSIFY_PROXY_H

#include <stdbool.h>
#include <sys/socket.h>

#include "config.h"
#include "failure.h"
#include "handshake.h"

struct proxy {
	struct config cfg;
	enum failure unusable;          /* FAIL_NONE when the proxy can be tried */
	const char *resolve_error;      /* detail for FAIL_PROXY_RESOLVE */
	struct sockaddr_storage addr;   /* normalised */
	char display[300];              /* "host:port" as configured */
	struct socks5_credentials cred;
};

const struct proxy *proxy_get(void);

/* A failure context naming this proxy and destination. */
void proxy_failure_ctx(const struct proxy *p, const char *dest, struct failure_ctx *ctx);

#endif
