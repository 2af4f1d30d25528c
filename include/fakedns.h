/*
 * The fake-DNS table: names <-> placeholder addresses, shared by every
 * process of a process tree (uthash in a MAP_SHARED arena, created before
 * the first fork). A placeholder is base + slot: slot i has the IPv4
 * placeholder range4.base + 1 + i and the IPv6 placeholder
 * range6.base + 1 + i, so the address side needs no hash. Names are kept
 * by their length, so a name costs its entry (72 bytes), its bytes rounded
 * up to 8 and its share of the index (8 to 16 bytes) of resident memory.
 *
 * Names given to it are already normalised (lowercase, no trailing dot,
 * 1..255 bytes, no empty label); the table does not check them again.
 */
#ifndef SOCKSIFY_FAKEDNS_H
#define SOCKSIFY_FAKEDNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

#define FAKEDNS_NAME_MAX 255
#define FAKEDNS_DEFAULT_RANGE4 "198.18.0.0/15"
#define FAKEDNS_DEFAULT_RANGE6 "fd53:6b73:6679::/64"
/* An entry used this recently is never recycled: it may still be cached. */
#define FAKEDNS_RECENT_SECONDS 600
#define FAKEDNS_MAX_SLOTS (1u << 20)

struct fakedns_options {
	struct cidr range4;      /* AF_INET, prefix <= 30 */
	struct cidr range6;      /* AF_INET6, prefix <= 126 */
	uint32_t max_slots;      /* 0: as many as both ranges hold, capped at FAKEDNS_MAX_SLOTS */
	unsigned recent_seconds; /* 0: FAKEDNS_RECENT_SECONDS (tests use small values) */
};

enum fakedns_status {
	FAKEDNS_OK = 0,
	FAKEDNS_FULL,   /* every slot is recent or held by an open socket */
	FAKEDNS_NOMEM,  /* the arena could not be created or is exhausted (and no name may go) */
};

/*
 * Sets the ranges before first use; later calls (after the arena exists)
 * are ignored and return false. Without it the defaults above apply.
 */
bool fakedns_configure(const struct fakedns_options *opt);

/* Creates the arena now if it does not exist yet. */
void fakedns_ensure(void);

/*
 * pthread_atfork handlers, registered once by the library at load (not
 * lazily: registering from inside a fork handler would deadlock in glibc).
 * prepare creates the arena, so that parent and child share one table.
 */
void fakedns_fork_prepare(void);
void fakedns_fork_parent(void);
void fakedns_fork_child(void);

/*
 * The slot of name, assigned if new (recycling the least recently used
 * entry that is neither recent nor held when the range is full). Marks it
 * used now.
 */
enum fakedns_status fakedns_lookup(const char *name, size_t len, uint32_t *slot);

void fakedns_addr4(uint32_t slot, struct in_addr *out);
void fakedns_addr6(uint32_t slot, struct in6_addr *out);

/*
 * Whether addr (normalised AF_INET or AF_INET6, port ignored) lies in a
 * placeholder range; if so *slot is its slot (which may be unused).
 */
bool fakedns_in_range(const struct sockaddr_storage *addr, uint32_t *slot);

/* Copies the slot's name (NUL-terminated) and marks it used; false if unused. */
bool fakedns_name(uint32_t slot, char out[FAKEDNS_NAME_MAX + 1]);

/* An open socket holds (+1) or releases (-1) the slot it is connected to. */
void fakedns_hold(uint32_t slot, int delta);

#endif
