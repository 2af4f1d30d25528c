/*
 * What the library knows about each file descriptor, indexed by fd. Reads
 * take no lock: a call that is not ours costs one lookup.
 */
#ifndef SOCKSIFY_FDTABLE_H
#define SOCKSIFY_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum fd_kind {
	FD_NONE = 0,
	FD_TCP_PROXIED, /* connected through the proxy; peer = original destination */
};

struct fd_info {
	enum fd_kind kind;
	struct sockaddr_storage peer; /* normalised */
	int32_t fake_slot;            /* the placeholder's slot the peer is, or -1 */
};

/* FD_NONE for fds the library knows nothing about. */
enum fd_kind fdtable_kind(int fd);
bool fdtable_get(int fd, struct fd_info *out);
/*
 * Returns false when the entry cannot be stored (out of memory). An entry
 * with a fake_slot holds that placeholder (it is not recycled) until the
 * entry is cleared.
 */
bool fdtable_set(int fd, const struct fd_info *info);
void fdtable_clear(int fd);
void fdtable_clear_range(unsigned int first, unsigned int last);
/* newfd becomes a copy of oldfd's entry (dup, dup2, dup3, F_DUPFD). */
void fdtable_copy(int oldfd, int newfd);

#endif
