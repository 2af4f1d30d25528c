/*
 * Reaching the proxy and naming what it should reach: shared by TCP
 * CONNECT and the UDP association's control connection.
 */
#ifndef SOCKSIFY_DIAL_H
#define SOCKSIFY_DIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "failure.h"
#include "fakedns.h"
#include "proxy.h"
#include "socks5.h"

/* SO_DOMAIN, SO_TYPE and SO_PROTOCOL of a socket, or -1. */
int socket_family(int fd);
int socket_type(int fd);
int socket_protocol(int fd);
bool socket_v6only(int fd);

/*
 * A socket of the library's own (control connections, DNS responders),
 * close-on-exec and numbered from INTERNAL_FD_MIN, above the fds programs
 * usually count on. type may carry SOCK_NONBLOCK.
 */
#define INTERNAL_FD_MIN 256
int internal_socket(int family, int type);

/* Where to ask the proxy to go: a placeholder's name, else the address. */
struct target {
	struct socks5_addr addr;
	int32_t fake_slot; /* -1 unless a placeholder */
	char display[SOCKS5_ADDR_STRLEN]; /* see target_display */
};

/* false: dst is a placeholder the table does not know (display is set). */
bool target_of(const struct sockaddr_storage *dst, struct target *t);

/*
 * "name:port" or the address, for log lines and failure contexts (whose
 * dest may point at t->display before it is filled): formatted only when
 * something is said, as that costs more than the rest of a connect.
 */
const char *target_display(struct target *t);

/*
 * Connects fd (already O_NONBLOCK) to the proxy before the deadline. An
 * AF_INET6 socket reaches an IPv4 proxy through its v4-mapped address.
 */
enum failure dial_proxy(int fd, const struct proxy *p, int64_t deadline, struct failure_ctx *ctx);

#endif
