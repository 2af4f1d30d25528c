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
	int load_errno;                 /* FAIL_NO_RESOURCES: why the files could not be read */
	const char *resolve_error;      /* detail for FAIL_PROXY_RESOLVE */
	/*
	 * Normalised; addr[0] is the resolver's first answer, addr[1] the
	 * first of the other family, if any, for sockets that cannot use it.
	 */
	struct sockaddr_storage addr[2];
	size_t naddr;
	char display[300];              /* "host:port" as configured */
	struct socks5_credentials cred;
};

/* Configuration only: no lookup of the proxy's name (fork handlers use it). */
const struct proxy *proxy_config(void);
/* Configuration and the proxy's address. */
const struct proxy *proxy_get(void);

/* fork: the loading lock, as fdtable_fork_lock. */
void proxy_fork_lock(void);
void proxy_fork_unlock(void);

/* dst is the proxy itself (once its name is resolved: proxy_get()). */
bool proxy_is_self(const struct proxy *p, const struct sockaddr_storage *dst);

/* The proxy address a socket of this family should use: its own family's if there is one. */
const struct sockaddr_storage *proxy_addr_for_family(const struct proxy *p, int family);

/* The caller has shown the configuration's warning: the library will not. */
void proxy_warning_told(void);

/* A failure context naming this proxy and destination. */
void proxy_failure_ctx(const struct proxy *p, const char *dest, struct failure_ctx *ctx);

#endif
