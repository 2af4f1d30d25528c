/*
 * The client side of a SOCKS5 exchange on a connected socket: method
 * selection, RFC 1929 authentication, one request and its reply, all
 * under one deadline. Works whatever the socket's O_NONBLOCK flag says.
 */
#ifndef SOCKSIFY_HANDSHAKE_H
#define SOCKSIFY_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "failure.h"
#include "socks5.h"

struct socks5_credentials {
	const char *user; /* NULL: offer no-authentication only */
	size_t user_len;
	const char *pass;
	size_t pass_len;
};

struct socks5_result {
	uint8_t method;            /* what the server chose */
	uint8_t rep;               /* REP byte of the final reply */
	struct socks5_addr bound;  /* BND.ADDR/BND.PORT */
	int sys_errno;             /* for FAIL_PROXY_IO */
	char detail[96];           /* for FAIL_MALFORMED, FAIL_NO_METHOD */
	/* deadline_now_ms() when method selection and authentication were
	 * done, 0 if they were not: socksify --check tells where a failure
	 * happened and times each step. */
	int64_t method_done_ms, auth_done_ms;
};

enum failure socks5_handshake(int fd, const struct socks5_credentials *cred, uint8_t cmd,
			      const struct socks5_addr *dst, int64_t deadline,
			      struct socks5_result *res);

#endif
