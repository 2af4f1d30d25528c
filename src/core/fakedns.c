#include "fakedns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"

/*
 * Everything the table is made of lives in one MAP_SHARED arena, mapped
 * before the first fork (at the first lookup, or in the pthread_atfork
 * prepare handler the library registers at load). fork keeps a shared mapping at the same address, so
 * plain pointers inside it (uthash's links and keys, the bucket arrays, the
 * heap's free lists) are valid in every process of the tree. Sharing ends
 * at exec: the new image starts with no arena and builds its own table.
 *
 * The arena, in order: the header (struct arena), the slots (one struct
 * entry each), the heap, the names. It is MAP_NORESERVE and sized for the
 * worst case, so only the pages touched cost memory: per name, its entry
 * (72 bytes), its name rounded up to whole NAME_UNITs, and its share of the
 * bucket array (8 to 16 bytes).
 *
 * uthash's memory (the table header and the bucket arrays, which grow)
 * comes from a small allocator inside the arena, the heap: a bucket array
 * from the process-private malloc would dangle in every other process.
 */
static void *heap_alloc(size_t size);
static void heap_free(void *ptr, size_t size);
static unsigned key_hash(const void *key, size_t len);

/* Set by uthash when heap_alloc fails; only touched under the arena lock. */
static bool hash_oom;

#define uthash_malloc(sz) heap_alloc(sz)
#define uthash_free(ptr, sz) heap_free(ptr, sz)
/* The default (exit) would end the host program. */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(elt) (hash_oom = true)
/* Cheaper than the default (Jenkins), and seeded per arena. */
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = key_hash(keyptr, keylen))
#include <uthash.h>

/*
 * One name. The name itself is in the name region, where hh.key points:
 * stored inline, every entry would cost as much as the longest name.
 */
struct entry {
	UT_hash_handle hh;
	uint32_t name_at;   /* in NAME_UNITs from the start of the name region */
	uint32_t last_used; /* CLOCK_MONOTONIC seconds: one clock for every process */
	int32_t hold;       /* open sockets connected to the placeholder */
	uint8_t len;        /* of the name: 1..FAKEDNS_NAME_MAX */
	uint8_t in_use;     /* set last when filling, cleared first when emptying */
};

/*
 * The name region: names as bytes (no NUL), each in a block of whole
 * NAME_UNITs, carved from the front and, once freed, kept on the free list
 * of its size for the next name of that size (or, split, a shorter one).
 * It has room for a longest name in every slot and a quarter more, so
 * only fragmentation can exhaust it (the room left in pieces too small);
 * then a sweep rebuilds the free lists from the names in use, which merges
 * neighbouring free blocks, and if that is not enough, names that may go
 * give up theirs. Offsets rather than pointers, to fit in 32 bits.
 */
#define NAME_UNIT 8
#define NAME_CLASSES ((FAKEDNS_NAME_MAX + NAME_UNIT) / NAME_UNIT) /* blocks of 1..32 units */
#define NAME_NIL UINT32_MAX
/* Room for fragmentation: a quarter more, and at least this much. */
#define NAME_SLACK_MIN (64 * 1024)
/* At most this many more names give theirs up when fragmentation leaves no room. */
#define RECLAIM_TRIES 16

struct names {
	char *base;
	uint32_t units; /* the region's size */
	uint32_t bump;  /* units [0, bump) have been handed out */
	bool freed;     /* a block was freed since the last sweep, which may merge it */
	uint32_t free[NAME_CLASSES + 1]; /* free[k]: blocks of k units, linked through their first 4 bytes */
};

/* Power-of-two blocks from HEAP_MIN up; a class's free blocks stay in it. */
#define HEAP_MIN_SHIFT 6
#define HEAP_CLASSES 40

struct heap {
	char *base;
	size_t size, used; /* blocks are carved from the front */
	void *free[HEAP_CLASSES]; /* linked through each block's first word */
};

/*
 * Recycling candidates: the oldest entries that were neither recent nor held
 * at the last scan, oldest first, so a full table costs one scan per
 * CANDIDATES new names rather than one per name.
 */
#define CANDIDATES 256

struct candidate {
	uint32_t slot;
	uint32_t last_used; /* then: if it changed, the entry was used since */
};

/* The ranges in force; host bits of the bases are cleared. */
struct config {
	struct cidr range4, range6;
	uint32_t nslots;
	unsigned recent;
};

struct arena {
	pthread_mutex_t lock; /* process-shared, robust: guards everything below */
	/* nslots 0: not chosen yet (the arena was made at a fork before any
	 * process of the tree read its configuration); the first to need the
	 * table chooses, the others adopt. */
	struct config cfg;
	uint32_t capacity; /* slots mapped */
	uint32_t fresh;     /* slots [0, fresh) have been handed out */
	int64_t scan_after; /* before this, a recycling scan would find nothing */
	int64_t horizon; /* every other entry that may go was used at or after this */
	uint32_t next_cand, ncand; /* cand[next_cand, ncand) are still to try */
	struct candidate cand[CANDIDATES];
	struct entry *head; /* uthash */
	uint64_t hash_seed;
	struct heap heap;
	struct names names;
	struct entry slots[];
};

static struct config config;
static atomic_bool config_fixed;
static struct arena *_Atomic shared;
/* Guards config and arena creation; held across fork (see fakedns_fork_prepare). */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * The thread that holds init_lock from our prepare handler to the fork
 * (a flag and its owner: thread-local storage would cost every process
 * its set-up at start).
 */
static atomic_bool preparing;
static pthread_t preparing_thread;

static bool preparing_fork(void)
{
	return atomic_load_explicit(&preparing, memory_order_acquire) &&
	       pthread_equal(preparing_thread, pthread_self());
}
static void forget_candidates(struct arena *a);
static bool arena_lock(struct arena *a);
static void arena_unlock(struct arena *a);
static bool test_alloc_fails;
static int64_t test_now;         /* 0: the real clock */
static uint32_t test_name_bytes; /* 0: the name region's real size */

/* ---------------------------------------------------------------- heap */

static unsigned size_class(size_t size)
{
	unsigned c = 0;

	while (c < HEAP_CLASSES && ((size_t)1 << (HEAP_MIN_SHIFT + c)) < size)
		c++;
	return c;
}

/* Called by uthash only, under the arena lock. */
static void *heap_alloc(size_t size)
{
	struct heap *h = &atomic_load_explicit(&shared, memory_order_relaxed)->heap;
	unsigned c = size_class(size);
	size_t bytes = (size_t)1 << (HEAP_MIN_SHIFT + c);

	if (c >= HEAP_CLASSES || test_alloc_fails)
		return NULL;
	if (h->free[c] != NULL) {
		void **block = h->free[c];
		h->free[c] = *block;
		return block;
	}
	if (h->size - h->used < bytes)
		return NULL;
	h->used += bytes;
	return h->base + h->used - bytes;
}

/*
 * A freed bucket array is not reused (the table only grows), so its pages
 * go back to the system, for every process at once as they are shared.
 */
static void heap_release_pages(void *ptr, size_t size)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)ptr + page - 1) & ~(page - 1);
	uintptr_t to = ((uintptr_t)ptr + size) & ~(page - 1);

	if (to > from)
		madvise((void *)from, to - from, MADV_REMOVE);
}

static void heap_free(void *ptr, size_t size)
{
	struct heap *h = &atomic_load_explicit(&shared, memory_order_relaxed)->heap;
	unsigned c = size_class(size);

	if (ptr == NULL)
		return;
	heap_release_pages(ptr, (size_t)1 << (HEAP_MIN_SHIFT + c));
	*(void **)ptr = h->free[c];
	h->free[c] = ptr;
}

static void heap_reset(struct heap *h)
{
	h->used = 0;
	memset(h->free, 0, sizeof(h->free));
}

/*
 * Room for the bucket arrays: uthash keeps one array (up to about twice as
 * many buckets as items) plus the next one while growing; as freed arrays
 * stay in their class, every class up to the largest may be taken at once,
 * which is less than twice the largest. Only touched pages cost memory.
 */
static size_t heap_bytes(uint32_t nslots)
{
	size_t buckets = 64;

	while (buckets < 2 * (size_t)nslots)
		buckets *= 2;
	return 2 * buckets * sizeof(UT_hash_bucket) + 4096;
}

/* ----------------------------------------------------------------- hash */

/*
 * Seeded per arena, so names chosen to collide in one table do not in
 * another. Called under the arena lock or before it, once the arena exists.
 */
static unsigned key_hash(const void *key, size_t len)
{
	return (unsigned)hash_bytes(key, len, atomic_load_explicit(&shared, memory_order_relaxed)->hash_seed, 0);
}

/* ---------------------------------------------------------------- names */

static uint32_t name_units(size_t len)
{
	return (uint32_t)((len + NAME_UNIT - 1) / NAME_UNIT);
}

static char *name_ptr(const struct arena *a, uint32_t at)
{
	return a->names.base + (size_t)at * NAME_UNIT;
}

static void names_forget_free(struct names *n)
{
	for (unsigned k = 0; k <= NAME_CLASSES; k++)
		n->free[k] = NAME_NIL;
}

static void name_push(struct arena *a, uint32_t at, uint32_t units)
{
	memcpy(name_ptr(a, at), &a->names.free[units], sizeof(uint32_t));
	a->names.free[units] = at;
}

static bool name_pop(struct arena *a, uint32_t units, uint32_t *at)
{
	uint32_t *head = &a->names.free[units];

	if (*head == NAME_NIL)
		return false;
	*at = *head;
	memcpy(head, name_ptr(a, *at), sizeof(uint32_t));
	return true;
}

/*
 * A block of this size: a freed one, else from the untouched end, else
 * the front of a larger freed one. A process dying in here leaks a block
 * at worst (rebuild() finds it again), never leaves one in use on a list.
 */
static bool name_alloc(struct arena *a, uint32_t units, uint32_t *at)
{
	struct names *n = &a->names;

	if (name_pop(a, units, at))
		return true;
	if (n->units - n->bump >= units) {
		*at = n->bump;
		n->bump += units;
		return true;
	}
	for (uint32_t k = units + 1; k <= NAME_CLASSES; k++) {
		if (name_pop(a, k, at)) {
			name_push(a, *at + units, k - units);
			return true;
		}
	}
	return false;
}

static void name_free(struct arena *a, uint32_t at, uint32_t units)
{
	name_push(a, at, units);
	a->names.freed = true;
}

/*
 * Sweeps: a bitmap over the region's units, one bit per unit in use,
 * process-private and only for the sweep's length.
 */
static size_t map_bytes(const struct names *n)
{
	return ((size_t)n->units + 63) / 64 * sizeof(uint64_t);
}

static uint64_t *map_create(const struct names *n)
{
	void *map = test_alloc_fails ? MAP_FAILED
				     : mmap(NULL, map_bytes(n), PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return map == MAP_FAILED ? NULL : map;
}

static bool map_test(const uint64_t *map, uint32_t u)
{
	return map[u / 64] >> (u % 64) & 1;
}

/* Whether no unit of the block is marked yet. */
static bool map_clear(const uint64_t *map, uint32_t at, uint32_t units)
{
	for (uint32_t u = at; u < at + units; u++)
		if (map_test(map, u))
			return false;
	return true;
}

static void map_mark(uint64_t *map, uint32_t at, uint32_t units)
{
	for (uint32_t u = at; u < at + units; u++)
		map[u / 64] |= (uint64_t)1 << (u % 64);
}

/* The first unit in [from, limit) marked (or not, as wanted), else limit. */
static uint32_t map_next(const uint64_t *map, uint32_t from, uint32_t limit, bool marked)
{
	uint64_t flip = marked ? 0 : ~(uint64_t)0;
	uint32_t i = from / 64;
	uint64_t w;

	if (from >= limit)
		return limit;
	w = (map[i] ^ flip) & (~(uint64_t)0 << (from % 64));
	while (w == 0) {
		if (++i >= (limit + 63) / 64)
			return limit;
		w = map[i] ^ flip;
	}
	uint32_t u = i * 64 + (uint32_t)__builtin_ctzll(w);
	return u < limit ? u : limit;
}

/* The free lists anew from the unmarked units, each gap merged. */
static void names_free_gaps(struct arena *a, const uint64_t *map)
{
	struct names *n = &a->names;
	uint32_t u = 0;

	names_forget_free(n);
	for (;;) {
		uint32_t gap_end = map_next(map, u, n->bump, true);
		if (gap_end == n->bump) {
			n->bump = u; /* the gap at the end: untouched again */
			break;
		}
		for (; gap_end - u >= NAME_CLASSES; u += NAME_CLASSES)
			name_push(a, u, NAME_CLASSES);
		if (gap_end > u)
			name_push(a, u, gap_end - u);
		u = map_next(map, gap_end, n->bump, false);
	}
	n->freed = false;
}

/* The names in use stay where they are; everything else is free. */
static bool names_sweep(struct arena *a)
{
	uint64_t *map;

	if (!a->names.freed || (map = map_create(&a->names)) == NULL)
		return false;
	for (uint32_t i = 0; i < a->fresh; i++) {
		const struct entry *e = &a->slots[i];
		if (e->in_use)
			map_mark(map, e->name_at, name_units(e->len));
	}
	names_free_gaps(a, map);
	munmap(map, map_bytes(&a->names));
	return true;
}

/* --------------------------------------------------------------- config */

static uint64_t range_slots(unsigned host_bits)
{
	return host_bits >= 33 ? UINT64_MAX : ((uint64_t)1 << host_bits) - 2;
}

static void clear_host_bits(struct cidr *c)
{
	unsigned bits = c->family == AF_INET ? 32 : 128;

	for (unsigned i = c->prefix; i < bits; i++)
		c->bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

static bool config_make(const struct fakedns_options *opt, struct config *out)
{
	if (opt->range4.family != AF_INET || opt->range4.prefix > 30 ||
	    opt->range6.family != AF_INET6 || opt->range6.prefix > 126)
		return false;
	uint64_t n = range_slots(32u - opt->range4.prefix);
	uint64_t n6 = range_slots(128u - opt->range6.prefix);

	if (n6 < n)
		n = n6;
	if (opt->max_slots != 0 && opt->max_slots < n)
		n = opt->max_slots;
	if (n > FAKEDNS_MAX_SLOTS)
		n = FAKEDNS_MAX_SLOTS;
	out->range4 = opt->range4;
	out->range6 = opt->range6;
	clear_host_bits(&out->range4);
	clear_host_bits(&out->range6);
	out->nslots = (uint32_t)n;
	out->recent = opt->recent_seconds ? opt->recent_seconds : FAKEDNS_RECENT_SECONDS;
	return true;
}

static bool default_config(struct config *out)
{
	struct fakedns_options opt = { .max_slots = 0 };

	return cidr_parse(FAKEDNS_DEFAULT_RANGE4, strlen(FAKEDNS_DEFAULT_RANGE4), &opt.range4) &&
	       cidr_parse(FAKEDNS_DEFAULT_RANGE6, strlen(FAKEDNS_DEFAULT_RANGE6), &opt.range6) &&
	       config_make(&opt, out);
}

/* Under init_lock: the configured ranges, or the defaults. */
static void config_fix_locked(void)
{
	if (atomic_load_explicit(&config_fixed, memory_order_relaxed))
		return;
	if (!default_config(&config))
		log_msg(LOG_ERROR, "fake DNS: bad default ranges"); /* config stays empty: no slots */
	atomic_store_explicit(&config_fixed, true, memory_order_release);
}

static void adopt_locked(struct arena *a);

/* Under init_lock: the ranges fixed, in agreement with an inherited arena. */
static void settle_locked(void)
{
	struct arena *a = atomic_load_explicit(&shared, memory_order_relaxed);

	if (atomic_load_explicit(&config_fixed, memory_order_relaxed))
		return;
	if (a == NULL) {
		config_fix_locked();
		return;
	}
	if (!default_config(&config))
		memset(&config, 0, sizeof(config));
	adopt_locked(a);
}

static const struct config *config_get(void)
{
	if (!atomic_load_explicit(&config_fixed, memory_order_acquire)) {
		pthread_mutex_lock(&init_lock);
		settle_locked();
		pthread_mutex_unlock(&init_lock);
	}
	return &config;
}

/* ---------------------------------------------------------------- arena */

static bool lock_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	bool ok;

	if (pthread_mutexattr_init(&attr) != 0)
		return false;
	/* Errorcheck: a signal handler re-entering the table fails, not hangs. */
	ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
	     pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
	     pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK) == 0 &&
	     pthread_mutex_init(m, &attr) == 0;
	pthread_mutexattr_destroy(&attr);
	return ok;
}

static uint32_t name_region_bytes(uint32_t nslots)
{
	uint32_t longest = nslots * NAME_CLASSES * NAME_UNIT;
	uint32_t slack = longest / 4 > NAME_SLACK_MIN ? longest / 4 : NAME_SLACK_MIN;

	return longest + slack;
}

/* Different in every arena: what the address (ASLR) and the time give. */
static uint64_t hash_seed(const struct arena *a)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)(uintptr_t)a ^ (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec) *
	       0x9e3779b97f4a7c15u;
}

/*
 * Under init_lock. Sized for this process's ranges, or, when it has not
 * read its configuration (a fork handler), for the default ranges with the
 * choice left to the first process that needs the table.
 */
static struct arena *arena_create_locked(void)
{
	static bool failure_logged;
	struct arena *a = atomic_load_explicit(&shared, memory_order_relaxed);
	bool chosen = atomic_load_explicit(&config_fixed, memory_order_relaxed);
	struct config sizing = config;

	if (a != NULL)
		return a;
	if (!chosen && !default_config(&sizing))
		return NULL;
	if (sizing.nslots == 0)
		return NULL;
	size_t heap_at = sizeof(struct arena) + (size_t)sizing.nslots * sizeof(struct entry);
	heap_at = (heap_at + 63) & ~(size_t)63;
	size_t names_at = (heap_at + heap_bytes(sizing.nslots) + 63) & ~(size_t)63;
	uint32_t name_bytes = test_name_bytes ? test_name_bytes : name_region_bytes(sizing.nslots);
	size_t size = names_at + name_bytes;

	a = test_alloc_fails ? MAP_FAILED
			     : mmap(NULL, size, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a == MAP_FAILED || !lock_init(&a->lock)) {
		if (a != MAP_FAILED)
			munmap(a, size);
		if (!failure_logged)
			log_msg(LOG_ERROR, "fake DNS: cannot map its %zu-byte table", size);
		failure_logged = true;
		return NULL;
	}
	if (chosen)
		a->cfg = config;
	a->capacity = sizing.nslots;
	a->heap.base = (char *)a + heap_at;
	a->heap.size = names_at - heap_at;
	a->names.base = (char *)a + names_at;
	a->names.units = name_bytes / NAME_UNIT;
	names_forget_free(&a->names);
	a->hash_seed = hash_seed(a);
	atomic_store_explicit(&shared, a, memory_order_release);
	return a;
}

/*
 * Under init_lock, config computed but not yet published: the arena's
 * ranges win if another process chose them; else these, within its size.
 */
static void adopt_locked(struct arena *a)
{
	if (arena_lock(a)) {
		if (a->cfg.nslots == 0) {
			if (config.nslots > a->capacity)
				config.nslots = a->capacity;
			a->cfg = config;
		}
		config = a->cfg;
		arena_unlock(a);
	}
	atomic_store_explicit(&config_fixed, true, memory_order_release);
}

/*
 * fork and the locks. init_lock is process-private: it is taken in prepare
 * and released in both parent and child, so a child never inherits it held
 * by a thread that does not exist there; prepare also creates the arena, so
 * parent and child share one table.
 *
 * The arena lock is deliberately left alone. It is not copied by fork: it
 * is one object in shared memory. A lookup that another thread of the
 * parent is running at the fork finishes in the parent and unlocks that same
 * object, and a child that wants the lock meanwhile just waits, as any other
 * process would; the table it then sees is complete, as nothing about it is
 * process-private. (glibc gives the child an empty robust list, so the
 * child's exit never touches a lock it did not take.) Taking it in prepare
 * would protect nothing and would add a lock-order hazard with the other
 * prepare handlers, and make every fork wait for other processes' lookups.
 *
 * Prepare handlers registered before ours run after it, and may call
 * fakedns_ensure (as its comment invites): preparing_fork keeps that from
 * taking init_lock a second time.
 */
void fakedns_fork_prepare(void)
{
	pthread_mutex_lock(&init_lock);
	preparing_thread = pthread_self();
	atomic_store_explicit(&preparing, true, memory_order_release);
	arena_create_locked();
}

void fakedns_fork_parent(void)
{
	atomic_store_explicit(&preparing, false, memory_order_release);
	pthread_mutex_unlock(&init_lock);
}

void fakedns_fork_child(void)
{
	atomic_store_explicit(&preparing, false, memory_order_release);
	pthread_mutex_unlock(&init_lock);
}

static struct arena *arena_get(bool create)
{
	struct arena *a;

	a = atomic_load_explicit(&shared, memory_order_acquire);
	if ((a != NULL && atomic_load_explicit(&config_fixed, memory_order_acquire)) ||
	    (a == NULL && !create) || preparing_fork()) /* then creation was just tried */
		return a;
	pthread_mutex_lock(&init_lock);
	settle_locked();
	a = arena_create_locked();
	pthread_mutex_unlock(&init_lock);
	return a;
}

/* ------------------------------------------------------------ the index */

/* Under the lock. False (and the entry not indexed) if the heap is full. */
static bool index_add(struct arena *a, struct entry *e, unsigned hash)
{
	hash_oom = false;
	HASH_ADD_KEYPTR_BYHASHVALUE(hh, a->head, name_ptr(a, e->name_at), e->len, hash, e);
	return !hash_oom;
}

/* Whether e's name block could be in use: inside the region and no other name's. */
static bool name_block_sane(const struct arena *a, const struct entry *e, const uint64_t *map)
{
	uint32_t units = name_units(e->len);

	return e->len >= 1 && units <= a->names.units && e->name_at <= a->names.units - units &&
	       (map == NULL || map_clear(map, e->name_at, units));
}

/* In rebuild(): false if e cannot be indexed, as it is or beside the others. */
static bool reindex(struct arena *a, struct entry *e, uint64_t *map)
{
	const char *name = name_ptr(a, e->name_at);
	uint32_t units = name_units(e->len);
	struct entry *dup;
	unsigned hash;

	if (!name_block_sane(a, e, map))
		return false;
	HASH_VALUE(name, e->len, hash);
	HASH_FIND_BYHASHVALUE(hh, a->head, name, e->len, hash, dup);
	if (dup != NULL || !index_add(a, e, hash))
		return false;
	if (map != NULL)
		map_mark(map, e->name_at, units);
	if (e->name_at + units > a->names.bump)
		a->names.bump = e->name_at + units;
	return true;
}

/*
 * After a process died holding the lock, the index, the heap and the name
 * free lists may be half-changed; the slots are not, as an entry is marked
 * in_use only once complete and unmarked before it is changed or its name
 * freed. So all of them are rebuilt from the slots: the names in use keep
 * their blocks, all the rest is free. Without the memory to sweep, the free
 * lists are dropped instead: their blocks are lost until a later sweep,
 * rather than risked twice.
 */
static void rebuild(struct arena *a)
{
	uint64_t *map = map_create(&a->names);

	if (a->fresh > a->cfg.nslots)
		a->fresh = a->cfg.nslots;
	if (a->names.bump > a->names.units)
		a->names.bump = a->names.units;
	a->head = NULL;
	forget_candidates(a);
	heap_reset(&a->heap);
	for (uint32_t i = 0; i < a->fresh; i++) {
		struct entry *e = &a->slots[i];
		if (!e->in_use)
			continue;
		if (e->hold < 0)
			e->hold = 0;
		if (!reindex(a, e, map))
			e->in_use = 0;
	}
	if (map == NULL) {
		names_forget_free(&a->names);
		a->names.freed = true;
		return;
	}
	names_free_gaps(a, map);
	munmap(map, map_bytes(&a->names));
}

static bool arena_lock(struct arena *a)
{
	int rc = pthread_mutex_lock(&a->lock);

	if (rc == EOWNERDEAD) {
		rebuild(a);
		pthread_mutex_consistent(&a->lock);
		log_msg(LOG_WARN, "fake DNS: a process died while changing the shared table; "
				  "rebuilt its index (%u names)",
			HASH_COUNT(a->head));
		return true;
	}
	if (rc != 0)
		log_msg(LOG_ERROR, "fake DNS: cannot lock the shared table (error %d)", rc);
	return rc == 0;
}

static void arena_unlock(struct arena *a)
{
	pthread_mutex_unlock(&a->lock);
}

static int64_t now_seconds(void)
{
	struct timespec ts;

	if (test_now != 0)
		return test_now;
	/* Not BOOTTIME: time asleep must not age a name some program cached. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Recycling, all under the lock. An entry may go when it is neither held nor
 * recent; "recent" errs long: with whole seconds, more than `recent` seconds
 * apart means at least that long. The least recently used goes first, so
 * the candidates must stay older than every other entry that may go: the
 * horizon starts where "recent" did at the scan and comes down to any entry
 * left out for want of room; entries only get newer when used; and one
 * left out only for a hold is added when released, if older than the
 * horizon (if not, the next scan finds it).
 */
static bool eligible(const struct arena *a, const struct entry *e, int64_t now)
{
	return e->in_use && e->hold == 0 && now - (int64_t)e->last_used > a->cfg.recent;
}

static void forget_candidates(struct arena *a)
{
	a->next_cand = a->ncand = 0;
	a->scan_after = 0;
	a->horizon = INT64_MIN; /* a scan is due */
}

/* Into the sorted list; when it is full, only if older than its newest. */
static void keep_candidate(struct arena *a, uint32_t slot, uint32_t last_used)
{
	struct candidate *c = a->cand;
	uint32_t n = a->ncand - a->next_cand, pos;

	if (n == CANDIDATES && last_used >= c[a->ncand - 1].last_used) {
		if (last_used < a->horizon)
			a->horizon = last_used;
		return;
	}
	if (a->next_cand > 0) {
		memmove(c, c + a->next_cand, n * sizeof(*c));
		a->next_cand = 0;
	}
	if (n == CANDIDATES) {
		n--; /* the newest drops out */
		if (c[n].last_used < a->horizon)
			a->horizon = c[n].last_used;
	}
	for (pos = n; pos > 0 && c[pos - 1].last_used > last_used; pos--)
		;
	memmove(c + pos + 1, c + pos, (n - pos) * sizeof(*c));
	c[pos] = (struct candidate){ .slot = slot, .last_used = last_used };
	a->ncand = n + 1;
}

static struct entry *next_candidate(struct arena *a, int64_t now)
{
	while (a->next_cand < a->ncand) {
		const struct candidate *c = &a->cand[a->next_cand++];
		struct entry *e = &a->slots[c->slot];
		if (eligible(a, e, now) && e->last_used == c->last_used)
			return e;
	}
	return NULL;
}

/* A free slot (if wanted), or the oldest candidate after a fresh scan. */
static struct entry *scan(struct arena *a, int64_t now, bool free_ok)
{
	int64_t retry = INT64_MAX;

	a->next_cand = a->ncand = 0;
	a->horizon = now - a->cfg.recent;
	for (uint32_t i = 0; i < a->fresh; i++) {
		struct entry *e = &a->slots[i];
		int64_t ready = (int64_t)e->last_used + a->cfg.recent + 1; /* when it may go */
		if (!e->in_use) {
			if (free_ok)
				return e;
		} else if (eligible(a, e, now)) {
			keep_candidate(a, i, e->last_used);
		} else if (e->hold == 0 && ready < retry) {
			retry = ready;
		}
	}
	/* Only time or a release can make one eligible: no scans until then. */
	if (a->ncand == 0)
		a->scan_after = retry;
	return next_candidate(a, now);
}

/* The slot for a new name (free_ok) or just the next name to go. */
static struct entry *victim(struct arena *a, int64_t now, bool free_ok)
{
	struct entry *e = next_candidate(a, now);

	if (e == NULL && now >= a->scan_after)
		e = scan(a, now, free_ok);
	return e;
}

/* The last hold on e went: it may be older than some candidates. */
static void released(struct arena *a, struct entry *e)
{
	int64_t ready = (int64_t)e->last_used + a->cfg.recent + 1; /* when it may go */

	if (e->last_used < a->horizon)
		keep_candidate(a, (uint32_t)(e - a->slots), e->last_used);
	else if (ready < a->scan_after)
		a->scan_after = ready;
}

/* Under the lock: e's name leaves the table, and its slot is free. */
static void evict(struct arena *a, struct entry *e)
{
	HASH_DELETE(hh, a->head, e);
	e->in_use = 0;
	/* rebuild() must never see the name's block free and e in use. */
	atomic_signal_fence(memory_order_seq_cst);
	name_free(a, e->name_at, name_units(e->len));
}

/*
 * Room for a name. When fragmentation leaves none, a sweep merges the free
 * blocks, and the least recently used names that may go give theirs up, as
 * when the range is full.
 */
static bool name_room(struct arena *a, uint32_t units, int64_t now, uint32_t *at)
{
	struct entry *v;

	for (int tries = 0;; tries++) {
		if (name_alloc(a, units, at) || (names_sweep(a) && name_alloc(a, units, at)))
			return true;
		if (tries == RECLAIM_TRIES || (v = victim(a, now, false)) == NULL)
			return false;
		evict(a, v);
		forget_candidates(a); /* a free slot now comes before any of them */
	}
}

/* Under the lock: undoes taking e for a name that found no memory. */
static enum fakedns_status no_memory(struct arena *a, bool fresh)
{
	if (fresh)
		a->fresh--;
	forget_candidates(a); /* a free slot comes before any of them */
	return FAKEDNS_NOMEM;
}

/* Under the lock: a slot for a name that has none. */
static enum fakedns_status insert(struct arena *a, const char *name, size_t len, unsigned hash,
				  int64_t now, struct entry **out)
{
	bool fresh = a->fresh < a->cfg.nslots;
	struct entry *e = fresh ? &a->slots[a->fresh] : victim(a, now, true);
	uint32_t at;

	if (e == NULL)
		return FAKEDNS_FULL;
	if (fresh)
		a->fresh++;
	else if (e->in_use)
		evict(a, e);
	if (!name_room(a, name_units(len), now, &at))
		return no_memory(a, fresh);
	/* The order of these stores matters to rebuild(), not to other threads. */
	atomic_signal_fence(memory_order_seq_cst);
	memcpy(name_ptr(a, at), name, len);
	e->name_at = at;
	e->len = (uint8_t)len;
	e->last_used = (uint32_t)now;
	e->hold = 0;
	atomic_signal_fence(memory_order_seq_cst);
	e->in_use = 1;
	if (!index_add(a, e, hash)) {
		e->in_use = 0;
		atomic_signal_fence(memory_order_seq_cst);
		name_free(a, at, name_units(len));
		return no_memory(a, fresh);
	}
	*out = e;
	return FAKEDNS_OK;
}

/* -------------------------------------------------------------- the API */

static bool same_range(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix && memcmp(a->bytes, b->bytes, 16) == 0;
}

/*
 * For start-up, before other threads use the table: fakedns_in_range and
 * the address functions read the ranges without a lock.
 */
bool fakedns_configure(const struct fakedns_options *opt)
{
	struct config c;
	bool ok = false;

	if (!config_make(opt, &c) || preparing_fork())
		return false;
	pthread_mutex_lock(&init_lock);
	/* The arena is sized for, and other processes use, the ranges in force. */
	struct arena *a = atomic_load_explicit(&shared, memory_order_relaxed);
	if (a == NULL) {
		config = c;
		atomic_store_explicit(&config_fixed, true, memory_order_release);
		ok = true;
	} else if (!atomic_load_explicit(&config_fixed, memory_order_relaxed)) {
		config = c;
		adopt_locked(a);
		ok = same_range(&config.range4, &c.range4) && same_range(&config.range6, &c.range6);
	}
	pthread_mutex_unlock(&init_lock);
	return ok;
}

void fakedns_ensure(void)
{
	arena_get(true);
}

enum fakedns_status fakedns_lookup(const char *name, size_t len, uint32_t *slot)
{
	enum fakedns_status st = FAKEDNS_OK;
	struct arena *a;
	struct entry *e;
	unsigned hash;

	/* Callers pass valid names; a longer one could not be stored at all. */
	if (len < 1 || len > FAKEDNS_NAME_MAX)
		return FAKEDNS_NOMEM;
	a = arena_get(true);
	if (a == NULL)
		return FAKEDNS_NOMEM;
	HASH_VALUE(name, len, hash); /* before the lock: it is held for less */
	if (!arena_lock(a))
		return FAKEDNS_NOMEM;
	int64_t now = now_seconds();

	HASH_FIND_BYHASHVALUE(hh, a->head, name, len, hash, e);
	if (e != NULL)
		e->last_used = (uint32_t)now;
	else
		st = insert(a, name, len, hash, now, &e);
	if (st == FAKEDNS_OK)
		*slot = (uint32_t)(e - a->slots);
	arena_unlock(a);
	if (st == FAKEDNS_FULL)
		log_msg(LOG_WARN, "fake DNS: no address for %.*s: all %u placeholder addresses were "
				  "used in the last %u s or are held by open sockets; a larger fake_range would help",
			(int)len, name, a->cfg.nslots, a->cfg.recent);
	else if (st == FAKEDNS_NOMEM)
		log_msg(LOG_WARN, "fake DNS: no address for %.*s: the shared table's memory is exhausted",
			(int)len, name);
	return st;
}

void fakedns_addr4(uint32_t slot, struct in_addr *out)
{
	const struct config *c = config_get();
	uint32_t base;

	memcpy(&base, c->range4.bytes, 4);
	out->s_addr = htonl(ntohl(base) + 1 + slot);
}

/* No carry out of the low 32 bits: the host part holds more than a slot. */
void fakedns_addr6(uint32_t slot, struct in6_addr *out)
{
	const struct config *c = config_get();
	uint32_t low;

	memcpy(out->s6_addr, c->range6.bytes, 16);
	memcpy(&low, out->s6_addr + 12, 4);
	low = htonl(ntohl(low) + 1 + slot);
	memcpy(out->s6_addr + 12, &low, 4);
}

/*
 * Every address of a range is a placeholder address, including those that
 * are no slot (the network and broadcast addresses, those past the slot
 * count): they get a slot >= the slot count, whose name is never found, so
 * the caller refuses them instead of sending them anywhere.
 */
bool fakedns_in_range(const struct sockaddr_storage *addr, uint32_t *slot)
{
	const struct config *c = config_get();
	const uint8_t *bytes, *base;
	uint32_t a32, b32;

	if (addr->ss_family == AF_INET && cidr_match(&c->range4, addr)) {
		bytes = (const uint8_t *)&((const struct sockaddr_in *)addr)->sin_addr;
		base = c->range4.bytes;
	} else if (addr->ss_family == AF_INET6 && cidr_match(&c->range6, addr)) {
		bytes = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr + 12;
		base = c->range6.bytes + 12;
		/* An offset of 2^32 or more is no slot. */
		if (memcmp(bytes - 12, base - 12, 12) != 0) {
			*slot = UINT32_MAX;
			return true;
		}
	} else {
		return false;
	}
	memcpy(&a32, bytes, 4);
	memcpy(&b32, base, 4);
	*slot = ntohl(a32) - ntohl(b32) - 1; /* the network address wraps to UINT32_MAX */
	return true;
}

bool fakedns_name(uint32_t slot, char out[FAKEDNS_NAME_MAX + 1])
{
	struct arena *a = arena_get(false);
	bool found;

	if (a == NULL || slot >= a->cfg.nslots || !arena_lock(a))
		return false;
	struct entry *e = &a->slots[slot];

	found = slot < a->fresh && e->in_use;
	if (found) {
		memcpy(out, name_ptr(a, e->name_at), e->len);
		out[e->len] = '\0';
		e->last_used = (uint32_t)now_seconds();
	}
	arena_unlock(a);
	return found;
}

void fakedns_hold(uint32_t slot, int delta)
{
	struct arena *a = arena_get(false);

	if (a == NULL || slot >= a->cfg.nslots || !arena_lock(a))
		return;
	struct entry *e = &a->slots[slot];

	/* A slot that is not in use has no name to protect. */
	if (slot < a->fresh && e->in_use) {
		int64_t h = (int64_t)e->hold + delta;
		bool was_held = e->hold > 0;
		e->hold = h < 0 ? 0 : h > INT32_MAX ? INT32_MAX : (int32_t)h;
		if (was_held && e->hold == 0)
			released(a, e);
	}
	arena_unlock(a);
}

/*
 * Test-only, declared in tests/unit/test_fakedns.c. 1: take the lock and
 * scramble the index, the heap and the name free lists as a process dying
 * mid-change could leave them, and worse (the caller then exits holding
 * the lock); 2: make allocation (the heap's, the arena's, a sweep's) fail;
 * 3: make it work again; 4: stop this process's clock, or move it on 1 s;
 * 5: give the table, if made after this, a name region of 1 KiB.
 */
void fakedns_test_hook(int op);

/* Lists that lead to names in use and an end that would hand them out again. */
static void scramble_names(struct arena *a)
{
	for (uint32_t i = 0; i < a->fresh; i++) {
		const struct entry *e = &a->slots[i];
		if (e->in_use)
			a->names.free[name_units(e->len)] = e->name_at;
	}
	a->names.bump = 0;
	a->names.freed = false;
}

void fakedns_test_hook(int op)
{
	struct arena *a = op == 1 ? arena_get(true) : NULL;

	if (a != NULL && pthread_mutex_lock(&a->lock) == 0) {
		a->head = NULL;
		a->heap.used = a->heap.size;
		memset(a->heap.free, 0, sizeof(a->heap.free));
		scramble_names(a);
	}
	if (op == 4)
		test_now = test_now ? test_now + 1 : 1000;
	else if (op == 5)
		test_name_bytes = 1024;
	else
		test_alloc_fails = op == 2;
}
