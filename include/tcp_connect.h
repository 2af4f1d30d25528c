/* connect() of an AF_INET/AF_INET6 stream socket, through the proxy when not direct. */
#ifndef SOCKSIFY_TCP_CONNECT_H
#define SOCKSIFY_TCP_CONNECT_H

#include <sys/socket.h>

/* Returns and sets errno as connect(2) does. */
int tcp_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* getpeername() of a socket tcp_connect proxied: the original destination. */
int tcp_getpeername(int fd, struct sockaddr *addr, socklen_t *len);

/* tcp_connect() without answering DNS itself: how the library reaches dns_upstream. */
int tcp_connect_to(int fd, const struct sockaddr *addr, socklen_t len);

#endif
