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

/*
 * sendmsg() semantics. msg_name NULL means the connected peer. Used for
 * every send on a socket the library relays, and for a first send to a
 * destination that is not direct.
 */
ssize_t udp_sendmsg(int fd, const struct msghdr *msg, int flags);

/* recvmsg() semantics, for a socket the library relays. */
ssize_t udp_recvmsg(int fd, struct msghdr *msg, int flags);

/* connect() of an AF_INET/AF_INET6 datagram socket. */
int udp_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* Whether a send to addr on fd must go through udp_sendmsg(). */
bool udp_wants_send(int fd, const struct sockaddr *addr, socklen_t len);

#endif
