/*
 * UDP through the proxy: a UDP ASSOCIATE per socket, opened by its first
 * datagram to a destination that is not direct, and datagrams carrying
 * the RFC 1928 section 7 header on the wire but never in the
 * application's buffers. Connected UDP is emulated: the kernel would drop
 * the relay's datagrams on a socket connected to someone else.
 */
#ifndef SOCKSIFY_UDP_H
#define SOCKSIFY_UDP_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "failure.h"

/*
 * sendmsg() semantics. msg_name NULL means the connected peer. Used for
 * every send on a socket the library relays, and for a first send to a
 * destination that is not direct.
 */
ssize_t udp_sendmsg(int fd, const struct msghdr *msg, int flags);

/*
 * udp_sendmsg() to msg_name without looking for a DNS query: how the
 * library itself reaches dns_upstream (flags 0).
 */
ssize_t udp_sendmsg_to(int fd, const struct msghdr *msg);

/*
 * Opens an association for a fresh socket of the library's, without a log
 * line; ctx->dest names the destination for the caller's.
 */
enum failure udp_associate(int fd, struct failure_ctx *ctx);

/* Binds fd if needed and reports its answers as coming from ns. */
bool udp_note_nameserver(int fd, const struct sockaddr_storage *ns);

/* recvmsg() semantics, for a socket the library relays. */
ssize_t udp_recvmsg(int fd, struct msghdr *msg, int flags);

/* connect() of an AF_INET/AF_INET6 datagram socket. */
int udp_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* Whether a send to addr on fd must go through udp_sendmsg(). */
bool udp_wants_send(int fd, const struct sockaddr *addr, socklen_t len);

#endif
