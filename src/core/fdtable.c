#include "fdtable.h"

#include "fakedns.h"
#include "file.h"
#include "real.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * Two levels of fixed-size chunks: the top array is static, chunks are
 * mapped on first write and never freed, so a reader can never see one go
 * away. An entry is published by storing its kind last (release) and read
 * by loading the kind first (acquire); writers of one entry are serialised
 * by a lock that readers never take.
 */
#define CHUNK_BITS FDTABLE_CHUNK_BITS
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define NCHUNKS FDTABLE_NCHUNKS

#define entry fdtable_entry
#define chunks fdtable_chunks

_Atomic(struct entry *) chunks[NCHUNKS];
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static struct entry *slot(int fd, bool create)
{
	if (fd < 0 || (unsigned)fd >= NCHUNKS * CHUNK_SIZE)
		return NULL;
	unsigned c = (unsigned)fd >> CHUNK_BITS;
	struct entry *chunk = atomic_load_explicit(&chunks[c], memory_order_acquire);

	if (chunk == NULL && create) {
		chunk = mmap(NULL, CHUNK_SIZE * sizeof(struct entry), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunk == MAP_FAILED)
			return NULL;
		atomic_store_explicit(&chunks[c], chunk, memory_order_release);
	}
	return chunk ? &chunk[(unsigned)fd & (CHUNK_SIZE - 1)] : NULL;
}

bool fdtable_get(int fd, struct fd_info *out)
{
	struct entry *e = slot(fd, false);

	if (e == NULL)
		return false;
	pthread_mutex_lock(&write_lock);
	*out = e->info;
	out->kind = (enum fd_kind)atomic_load_explicit(&e->kind, memory_order_acquire);
	pthread_mutex_unlock(&write_lock);
	return out->kind != FD_NONE;
}

/* The control connection is closed only while its number is still it. */
static void close_ctl(const struct fd_info *i)
{
	if (fd_is(i->ctl_fd, i->ctl_dev, i->ctl_ino))
		real()->close(i->ctl_fd);
}

static bool holds_ctl(enum fd_kind kind)
{
	return kind == FD_UDP || kind == FD_DNS_TCP;
}

/*
 * Under write_lock: whether an fd other than self still uses this control
 * connection (a dup). Only runs when an entry holding one goes away.
 */
static bool ctl_shared(int ctl, int self)
{
	for (unsigned c = 0; c < NCHUNKS; c++) {
		struct entry *chunk = atomic_load_explicit(&chunks[c], memory_order_acquire);
		for (unsigned i = 0; chunk != NULL && i < CHUNK_SIZE; i++) {
			const struct entry *e = &chunk[i];
			if ((int)(c * CHUNK_SIZE + i) != self &&
			    holds_ctl(atomic_load_explicit(&e->kind, memory_order_relaxed)) &&
			    e->info.ctl_fd == ctl)
				return true;
		}
	}
	return false;
}

/*
 * Under write_lock: what an entry held is let go once, the placeholder and
 * the connection behind it (unless a dup still uses it).
 */
static void release(struct entry *e, int fd)
{
	const struct fd_info *i = &e->info;

	if (atomic_load_explicit(&e->kind, memory_order_relaxed) == FD_NONE)
		return;
	if (i->fake_slot >= 0)
		fakedns_hold((uint32_t)i->fake_slot, -1);
	if (holds_ctl(i->kind) && i->ctl_fd >= 0 && !ctl_shared(i->ctl_fd, fd))
		close_ctl(i);
	atomic_store_explicit(&e->kind, FD_NONE, memory_order_release);
}

/* Holds are counted per entry: a new entry takes what the old one held. */
static void store(struct entry *e, int fd, const struct fd_info *info)
{
	int32_t old_slot = atomic_load_explicit(&e->kind, memory_order_relaxed) == FD_NONE
				   ? -1
				   : e->info.fake_slot;
	bool old_holds = holds_ctl(atomic_load_explicit(&e->kind, memory_order_relaxed));
	int old_ctl = old_holds ? e->info.ctl_fd : -1;

	if (info->fake_slot >= 0)
		fakedns_hold((uint32_t)info->fake_slot, 1);
	if (old_slot >= 0)
		fakedns_hold((uint32_t)old_slot, -1);
	if (old_ctl >= 0 && old_ctl != info->ctl_fd && !ctl_shared(old_ctl, fd))
		close_ctl(&e->info);
	e->info = *info;
	atomic_store_explicit(&e->kind, info->kind, memory_order_release);
}

bool fdtable_set(int fd, const struct fd_info *info)
{
	pthread_mutex_lock(&write_lock);
	struct entry *e = slot(fd, true);
	if (e != NULL)
		store(e, fd, info);
	pthread_mutex_unlock(&write_lock);
	return e != NULL;
}

void fdtable_clear(int fd)
{
	struct entry *e = slot(fd, false);

	if (e == NULL || atomic_load_explicit(&e->kind, memory_order_acquire) == FD_NONE)
		return;
	pthread_mutex_lock(&write_lock);
	release(e, fd);
	pthread_mutex_unlock(&write_lock);
}

void fdtable_clear_range(unsigned int first, unsigned int last)
{
	const unsigned limit = NCHUNKS * CHUNK_SIZE - 1;

	if (last > limit)
		last = limit;
	for (unsigned fd = first; fd <= last && fd >= first; fd++) {
		if (atomic_load_explicit(&chunks[fd >> CHUNK_BITS], memory_order_acquire) == NULL) {
			fd |= CHUNK_SIZE - 1; /* skip the unmapped chunk */
			continue;
		}
		fdtable_clear((int)fd);
	}
}

size_t fdtable_kept_ctl(unsigned int first, unsigned int last, int *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&write_lock);
	for (unsigned c = 0; c < NCHUNKS && n < max; c++) {
		struct entry *chunk = atomic_load_explicit(&chunks[c], memory_order_acquire);
		for (unsigned i = 0; chunk != NULL && i < CHUNK_SIZE && n < max; i++) {
			const struct entry *e = &chunk[i];
			unsigned fd = c * CHUNK_SIZE + i;
			int ctl = e->info.ctl_fd;
			if (holds_ctl(atomic_load_explicit(&e->kind, memory_order_relaxed)) && ctl >= 0 &&
			    (unsigned)ctl >= first && (unsigned)ctl <= last && (fd < first || fd > last))
				out[n++] = ctl;
		}
	}
	pthread_mutex_unlock(&write_lock);
	return n;
}

void fdtable_copy(int oldfd, int newfd)
{
	struct fd_info info;

	if (oldfd == newfd)
		return;
	if (fdtable_get(oldfd, &info))
		fdtable_set(newfd, &info);
	else
		fdtable_clear(newfd);
}

void fdtable_fork_lock(void)
{
	pthread_mutex_lock(&write_lock);
}

void fdtable_fork_unlock(void)
{
	pthread_mutex_unlock(&write_lock);
}
