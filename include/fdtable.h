/*
 * What the library knows about each file descriptor, indexed by fd. Reads
 * take no lock: a call that is not ours costs one lookup.
 */
#ifndef SOCKSIFY_FDTABLE_H
#define SOCKSIFY_FDTABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

enum fd_kind {
	FD_NONE = 0,
	FD_TCP_PROXIED, /* connected through the proxy; peer = original destination */
	FD_UDP,         /* a UDP socket the library relays (or emulates connect for) */
	FD_DNS_TCP,     /* a TCP connection to a nameserver, served by the library */
};

#define FD_UDP_NAMES 4

struct fd_info {
	enum fd_kind kind;
	/* TCP: the original destination; UDP: the emulated connect peer
	 * (ss_family 0 when not connected). Normalised. */
	struct sockaddr_storage peer;
	int32_t fake_slot; /* the placeholder's slot the peer is, or -1 */

	/* FD_UDP: the association, when there is one (ctl_fd >= 0);
	 * FD_DNS_TCP: the library's end of the connection. */
	int ctl_fd;                    /* the TCP control connection */
	dev_t ctl_dev;                 /* ctl_fd's identity at creation, to notice */
	ino_t ctl_ino;                 /* that someone closed or replaced it */
	struct sockaddr_storage relay; /* where datagrams go, in the socket's family */
	/* Names this socket sent to, by port: replies carry the IP the proxy
	 * resolved, reported as the placeholder when one name used that port. */
	struct {
		uint16_t port;          /* 0: unused */
		sa_family_t family;     /* of the placeholder the application used */
		int32_t slot;           /* -1: more than one name on this port */
	} names[FD_UDP_NAMES];
	/* FD_UDP: the nameserver whose query the library answered last; its
	 * answers are reported from there (ss_family 0: none). */
	struct sockaddr_storage dns_ns;
};

/*
 * The layout, for the one inline lookup every hook makes: two levels of
 * chunks (fdtable.c), fds up to 1M; beyond that the library stays out.
 */
#define FDTABLE_CHUNK_BITS 10
#define FDTABLE_NCHUNKS 1024u

struct fdtable_entry {
	atomic_int kind;
	struct fd_info info; /* kind duplicated there, read under the writers' lock */
};

extern _Atomic(struct fdtable_entry *) fdtable_chunks[FDTABLE_NCHUNKS];

/* FD_NONE for fds the library knows nothing about. */
static inline enum fd_kind fdtable_kind(int fd)
{
	unsigned int u = (unsigned int)fd;
	struct fdtable_entry *chunk;

	if (u >= FDTABLE_NCHUNKS << FDTABLE_CHUNK_BITS)
		return FD_NONE;
	chunk = atomic_load_explicit(&fdtable_chunks[u >> FDTABLE_CHUNK_BITS], memory_order_acquire);
	if (chunk == NULL)
		return FD_NONE;
	return (enum fd_kind)atomic_load_explicit(&chunk[u & ((1u << FDTABLE_CHUNK_BITS) - 1)].kind,
						  memory_order_acquire);
}
bool fdtable_get(int fd, struct fd_info *out);
/*
 * Returns false when the entry cannot be stored (out of memory). An entry
 * with a fake_slot holds that placeholder (it is not recycled) until the
 * entry is cleared.
 */
bool fdtable_set(int fd, const struct fd_info *info);
void fdtable_clear(int fd);
void fdtable_clear_range(unsigned int first, unsigned int last);
/*
 * fork: the writers' lock is taken before and released after, in parent
 * and child, so a child never inherits it held by a thread it lacks.
 */
void fdtable_fork_lock(void);
void fdtable_fork_unlock(void);

/*
 * The connections behind entries outside [first, last] whose fds lie
 * inside it, at most max: what a close range must leave open.
 */
size_t fdtable_kept_ctl(unsigned int first, unsigned int last, int *out, size_t max);

/* newfd becomes a copy of oldfd's entry (dup, dup2, dup3, F_DUPFD). */
void fdtable_copy(int oldfd, int newfd);

#endif
