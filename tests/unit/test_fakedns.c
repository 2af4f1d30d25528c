/*
 * Unit tests for the fake-DNS table (DESIGN.md, "Fake DNS"): the placeholder
 * arithmetic and range checks, agreement between threads and between the
 * processes of a tree (including forks while other threads are busy),
 * recycling and holds, names of every length and the reuse of their
 * space, recovery from a process that died holding the lock, and running
 * out of arena memory without exiting.
 *
 * Every test needs its own process: the table is created once per process
 * and fakedns_configure only works before that. Check's fork mode gives each
 * test one, so do not run this suite with CK_FORK=no. Processes a test forks
 * itself report through exit codes and shared memory, not ck_assert.
 */
#include "fakedns.h"

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "suite.h"

/* Test-only hook in src/core/fakedns.c. */
extern void fakedns_test_hook(int op);
enum {
	HOOK_LOCK_AND_SCRAMBLE = 1,
	HOOK_HEAP_FAILS = 2,
	HOOK_HEAP_WORKS = 3,
	HOOK_CLOCK_TICK = 4,
	HOOK_SMALL_NAME_REGION = 5, /* 1 KiB: four longest names */
};

#define DEFAULT_SLOTS 131070u /* 198.18.0.0/15 */

/* ------------------------------------------------------------- helpers */

static uint32_t lookup_ok(const char *name)
{
	uint32_t slot = UINT32_MAX;
	enum fakedns_status st = fakedns_lookup(name, strlen(name), &slot);

	ck_assert_msg(st == FAKEDNS_OK, "lookup of %s: status %d", name, (int)st);
	return slot;
}

static enum fakedns_status lookup_st(const char *name)
{
	uint32_t slot;

	return fakedns_lookup(name, strlen(name), &slot);
}

static void name_is(uint32_t slot, const char *want)
{
	char out[FAKEDNS_NAME_MAX + 1];

	ck_assert_msg(fakedns_name(slot, out), "slot %u has no name, want %s", slot, want);
	ck_assert_str_eq(out, want);
}

static bool name_matches(uint32_t slot, const char *want)
{
	char out[FAKEDNS_NAME_MAX + 1];

	return fakedns_name(slot, out) && strcmp(out, want) == 0;
}

/* A name of exactly len bytes (1..FAKEDNS_NAME_MAX), distinct for each (tag, len). */
static void name_of_len(char out[FAKEDNS_NAME_MAX + 1], int tag, int len)
{
	char head[32];
	int n = snprintf(head, sizeof(head), "%d-%d.", tag, len);

	for (int i = 0; i < len; i++)
		out[i] = i < n ? head[i] : (char)('a' + (tag + i) % 26);
	out[len] = '\0';
}

static void tick(int seconds)
{
	for (int i = 0; i < seconds; i++)
		fakedns_test_hook(HOOK_CLOCK_TICK);
}

/* Every name in the table maps back to its own slot; how many there are. */
static int names_consistent(uint32_t nslots)
{
	char name[FAKEDNS_NAME_MAX + 1];
	int count = 0;

	for (uint32_t slot = 0; slot < nslots; slot++) {
		if (!fakedns_name(slot, name))
			continue;
		ck_assert_uint_eq(lookup_ok(name), slot);
		count++;
	}
	return count;
}

static struct fakedns_options options(const char *r4, const char *r6, uint32_t max_slots,
				      unsigned recent)
{
	struct fakedns_options opt = { .max_slots = max_slots, .recent_seconds = recent };

	ck_assert(cidr_parse(r4, strlen(r4), &opt.range4));
	ck_assert(cidr_parse(r6, strlen(r6), &opt.range6));
	return opt;
}

static void configure(const char *r4, const char *r6, uint32_t max_slots, unsigned recent)
{
	struct fakedns_options opt = options(r4, r6, max_slots, recent);

	ck_assert(fakedns_configure(&opt));
}

/* 14 slots whose names may go after 1 s, a name region of 1 KiB, the clock on 1 s. */
static void small_name_region(void)
{
	fakedns_test_hook(HOOK_SMALL_NAME_REGION);
	configure("198.18.0.0/28", "fd53:6b73:6679::/64", 0, 1);
	tick(1);
}

static struct sockaddr_storage sa(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		ck_assert_msg(inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1, "bad address %s", ip);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		ck_assert_msg(inet_pton(AF_INET, ip, &in->sin_addr) == 1, "bad address %s", ip);
	}
	return ss;
}

/* The slot of ip, which must be in a range. */
static uint32_t slot_of(const char *ip)
{
	struct sockaddr_storage ss = sa(ip);
	uint32_t slot = 12345;

	ck_assert_msg(fakedns_in_range(&ss, &slot), "%s not in range", ip);
	return slot;
}

static bool in_range(const char *ip)
{
	struct sockaddr_storage ss = sa(ip);
	uint32_t slot;

	return fakedns_in_range(&ss, &slot);
}

static void addr4_is(uint32_t slot, const char *want)
{
	struct in_addr a;
	char text[INET_ADDRSTRLEN];

	fakedns_addr4(slot, &a);
	ck_assert_str_eq(inet_ntop(AF_INET, &a, text, sizeof(text)), want);
}

static void addr6_is(uint32_t slot, const char *want)
{
	struct in6_addr a;
	char text[INET6_ADDRSTRLEN];

	fakedns_addr6(slot, &a);
	ck_assert_str_eq(inet_ntop(AF_INET6, &a, text, sizeof(text)), want);
}

static void *shared_mem(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert(p != MAP_FAILED);
	return p;
}

static void wait_exit0(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: status %#x",
		      (int)pid, status);
}

/* A child takes the table's lock, scrambles it, and exits or is killed holding it. */
static void die_holding_lock(bool killed)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fakedns_test_hook(HOOK_LOCK_AND_SCRAMBLE);
		if (killed)
			raise(SIGKILL);
		_exit(0);
	}
	if (!killed) {
		wait_exit0(pid);
		return;
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Log lines go to a memory file the test reads back. */
static int capture_log(void)
{
	int fd = memfd_create("fakedns-log", 0);

	ck_assert_int_ge(fd, 0);
	log_setup(LOG_WARN, fd, false);
	return fd;
}

static int log_count(int fd, const char *needle)
{
	static char buf[1 << 16];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int count = 0;

	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	for (char *p = buf; (p = strstr(p, needle)) != NULL; p++)
		count++;
	return count;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* A bitmap over slots: each slot may be taken once. */
static bool take_slot(uint8_t *bits, uint32_t slot)
{
	bool was = bits[slot / 8] & (1u << (slot % 8));

	bits[slot / 8] |= (uint8_t)(1u << (slot % 8));
	return !was;
}

/* ------------------------------------------------- ranges and addresses */

START_TEST(test_default_ranges)
{
	char out[FAKEDNS_NAME_MAX + 1];
	uint32_t slot;

	/* All of this works before the table exists; it is not created. */
	addr4_is(0, "198.18.0.1");
	addr4_is(DEFAULT_SLOTS - 1, "198.19.255.254");
	addr6_is(0, "fd53:6b73:6679::1");
	addr6_is(DEFAULT_SLOTS - 1, "fd53:6b73:6679::1:fffe");
	ck_assert_uint_eq(slot_of("198.18.0.1"), 0);
	ck_assert_uint_eq(slot_of("198.19.255.254"), DEFAULT_SLOTS - 1);
	ck_assert_uint_eq(slot_of("fd53:6b73:6679::1"), 0);
	ck_assert_uint_eq(slot_of("fd53:6b73:6679::1:fffe"), DEFAULT_SLOTS - 1);
	ck_assert(!fakedns_name(0, out));

	/* In the range but no slot: refused by the caller, never sent anywhere. */
	ck_assert_uint_ge(slot_of("198.18.0.0"), DEFAULT_SLOTS);
	ck_assert_uint_ge(slot_of("198.19.255.255"), DEFAULT_SLOTS);
	ck_assert_uint_ge(slot_of("fd53:6b73:6679::"), DEFAULT_SLOTS);
	ck_assert_uint_ge(slot_of("fd53:6b73:6679::1:ffff"), DEFAULT_SLOTS);
	ck_assert_uint_ge(slot_of("fd53:6b73:6679:0:1::1"), DEFAULT_SLOTS);
	ck_assert_uint_ge(slot_of("fd53:6b73:6679:0:ffff:ffff:ffff:ffff"), DEFAULT_SLOTS);

	/* Just outside, and the other family. */
	ck_assert(!in_range("198.17.255.255"));
	ck_assert(!in_range("198.20.0.0"));
	ck_assert(!in_range("fd53:6b73:6678:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!in_range("fd53:6b73:667a::"));
	ck_assert(!in_range("203.0.113.1"));
	ck_assert(!in_range("2001:db8::1"));
	ck_assert(!in_range("::c612:1")); /* 198.18.0.1 in the low bits of IPv6 */

	/* v4-mapped: the caller normalises it to AF_INET first. */
	struct sockaddr_storage mapped = sa("::ffff:198.18.0.5"), norm;
	ck_assert(!fakedns_in_range(&mapped, &slot));
	ck_assert(addr_normalize((struct sockaddr *)&mapped, sizeof(struct sockaddr_in6), &norm));
	ck_assert(fakedns_in_range(&norm, &slot));
	ck_assert_uint_eq(slot, 4);

	struct sockaddr_storage unix_ss = { .ss_family = AF_UNIX };
	ck_assert(!fakedns_in_range(&unix_ss, &slot));
	ck_assert(!fakedns_name(0, out));
	ck_assert(!fakedns_name(DEFAULT_SLOTS, out));
	fakedns_hold(0, 1); /* no table, no name: nothing to hold */
}
END_TEST

/* /30 and /126 give two slots each; configure is refused once in use. */
START_TEST(test_smallest_ranges)
{
	int logfd = capture_log();
	struct fakedns_options later = options("198.0.0.0/8", "fd00::/8", 0, 0);

	configure("203.0.113.0/30", "fd00:99::/126", 0, 0);
	addr4_is(0, "203.0.113.1");
	addr4_is(1, "203.0.113.2");
	addr6_is(0, "fd00:99::1");
	addr6_is(1, "fd00:99::2");
	ck_assert_uint_eq(slot_of("203.0.113.2"), 1);
	ck_assert_uint_eq(slot_of("fd00:99::2"), 1);
	ck_assert_uint_ge(slot_of("203.0.113.3"), 2);
	ck_assert_uint_ge(slot_of("fd00:99::3"), 2);
	ck_assert(!in_range("203.0.113.4"));
	ck_assert(!in_range("fd00:99::4"));

	/* Nothing yet uses the table: configuring again still works. */
	configure("203.0.113.0/30", "fd00:99::/126", 0, 0);
	ck_assert_uint_ne(lookup_ok("a.example"), lookup_ok("b.example"));
	ck_assert_int_eq(lookup_st("c.example"), FAKEDNS_FULL);
	ck_assert_int_eq(log_count(logfd, "all 2 placeholder"), 1);
	ck_assert(!fakedns_configure(&later));
	addr4_is(0, "203.0.113.1");
	ck_assert(!in_range("198.51.100.3"));
	name_is(slot_of("203.0.113.1"), "a.example");
}
END_TEST

START_TEST(test_configure_rejects)
{
	static const char *const bad[][2] = {
		{ "203.0.113.0/31", "fd00::/64" }, { "203.0.113.1/32", "fd00::/64" },
		{ "198.0.0.0/8", "fd00::/127" },    { "198.0.0.0/8", "fd00::1/128" },
		{ "fd00::/64", "198.0.0.0/8" },     { "198.0.0.0/8", "198.0.0.0/8" },
		{ "fd00::/64", "fd00::/64" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fakedns_options opt = options(bad[i][0], bad[i][1], 0, 0);
		ck_assert_msg(!fakedns_configure(&opt), "accepted %s %s", bad[i][0], bad[i][1]);
	}
	/* The defaults are still in force, and still replaceable. */
	addr4_is(0, "198.18.0.1");
	configure("100.64.0.0/10", "fd00::/64", 0, 0);
	addr4_is(0, "100.64.0.1");
}
END_TEST

/* Host bits are ignored; a /112 puts prefix bits in the low 32 bits. */
START_TEST(test_host_bits_and_narrow_v6)
{
	configure("203.0.113.3/24", "fd00::1:2:3/112", 0, 0);
	addr4_is(0, "203.0.113.1");
	addr4_is(253, "203.0.113.254");
	addr6_is(0, "fd00::1:2:1");
	addr6_is(253, "fd00::1:2:fe");
	ck_assert_uint_eq(slot_of("fd00::1:2:fe"), 253);
	ck_assert_uint_eq(slot_of("203.0.113.254"), 253);
	ck_assert_uint_ge(slot_of("fd00::1:2:ffff"), 254);
	ck_assert(!in_range("fd00::1:3:1"));
	ck_assert(!in_range("fd00::1:1:ffff"));
}
END_TEST

/* The smaller range sets the slot count; so does max_slots. */
static void fill_check(uint32_t want)
{
	char name[64];
	uint8_t *seen = calloc(want / 8 + 1, 1);

	for (uint32_t i = 0; i < want; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		uint32_t slot = lookup_ok(name);
		ck_assert_uint_lt(slot, want);
		ck_assert(take_slot(seen, slot));
	}
	ck_assert_int_eq(lookup_st("one-too-many.example"), FAKEDNS_FULL);
	free(seen);
}

START_TEST(test_slot_count_v6_smaller)
{
	log_setup(LOG_ERROR, 2, false);
	configure("198.51.0.0/16", "fd00::/120", 0, 0);
	fill_check(254);
}
END_TEST

START_TEST(test_slot_count_max_slots)
{
	log_setup(LOG_ERROR, 2, false);
	configure("198.18.0.0/15", "fd00::/64", 1000, 0);
	fill_check(1000);
}
END_TEST

/* ------------------------------------------------------------- lookups */

START_TEST(test_lookup_basics)
{
	char long_name[FAKEDNS_NAME_MAX + 2];
	char out[FAKEDNS_NAME_MAX + 1];
	uint32_t a = lookup_ok("example.com"), b, slot;

	ck_assert_uint_eq(lookup_ok("example.com"), a);
	b = lookup_ok("example.org");
	ck_assert_uint_ne(a, b);
	name_is(a, "example.com");
	name_is(b, "example.org");

	/* The key is exactly len bytes. */
	ck_assert_int_eq(fakedns_lookup("example.comXYZ", 11, &slot), FAKEDNS_OK);
	ck_assert_uint_eq(slot, a);
	ck_assert_int_eq(fakedns_lookup("example.com", 7, &slot), FAKEDNS_OK);
	name_is(slot, "example");
	ck_assert_uint_ne(slot, a);

	uint32_t one = lookup_ok("x");
	name_is(one, "x");
	memset(long_name, 'a', sizeof(long_name));
	long_name[FAKEDNS_NAME_MAX] = '\0';
	uint32_t longest = lookup_ok(long_name);
	name_is(longest, long_name);
	long_name[FAKEDNS_NAME_MAX - 1] = '\0';
	ck_assert_uint_ne(lookup_ok(long_name), longest);

	/* Not storable: refused, not truncated. */
	memset(long_name, 'a', sizeof(long_name));
	ck_assert_int_eq(fakedns_lookup(long_name, FAKEDNS_NAME_MAX + 1, &slot), FAKEDNS_NOMEM);
	ck_assert_int_eq(fakedns_lookup("", 0, &slot), FAKEDNS_NOMEM);

	/* Unused and impossible slots. */
	ck_assert(!fakedns_name(1000, out));
	ck_assert(!fakedns_name(DEFAULT_SLOTS, out));
	ck_assert(!fakedns_name(UINT32_MAX, out));
	fakedns_hold(UINT32_MAX, 1);
	fakedns_hold(1000, 1);
	ck_assert(!fakedns_name(1000, out));
}
END_TEST

/* Names are stored by length: every length, side by side, intact. */
START_TEST(test_name_lengths)
{
	static uint32_t slots[FAKEDNS_NAME_MAX + 1];
	char name[FAKEDNS_NAME_MAX + 1];

	for (int round = 0; round < 2; round++) {
		for (int len = 1; len <= FAKEDNS_NAME_MAX; len++) {
			name_of_len(name, round, len);
			ck_assert_uint_eq(strlen(name), len);
			slots[len] = lookup_ok(name);
		}
		for (int len = 1; len <= FAKEDNS_NAME_MAX; len++) {
			name_of_len(name, round, len);
			name_is(slots[len], name);
			ck_assert_uint_eq(lookup_ok(name), slots[len]);
		}
	}
	ck_assert_int_eq(names_consistent(2 * FAKEDNS_NAME_MAX), 2 * FAKEDNS_NAME_MAX);
}
END_TEST

/*
 * Lookups of existing names cost one hash find: about as much among 20000
 * names as among 100 (cache misses aside), under valgrind too.
 */
static double timed_lookups(const uint32_t *slots, int names, int lookups)
{
	struct timespec t0, t1;
	char name[64];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < lookups; i++) {
		uint32_t slot;
		int k = (int)(((unsigned)i * 7919u) % (unsigned)names);
		snprintf(name, sizeof(name), "host-%d.example.net", k);
		ck_assert(fakedns_lookup(name, strlen(name), &slot) == FAKEDNS_OK && slot == slots[k]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

START_TEST(test_many_names_fast)
{
	enum { FEW = 100, MANY = 20000, LOOKUPS = 100000 };
	uint32_t *slots = malloc(MANY * sizeof(*slots));
	char name[64];
	double few = 0, many;

	for (int i = 0; i < MANY; i++) {
		if (i == FEW)
			few = timed_lookups(slots, FEW, LOOKUPS);
		snprintf(name, sizeof(name), "host-%d.example.net", i);
		slots[i] = lookup_ok(name);
	}
	many = timed_lookups(slots, MANY, LOOKUPS);
	ck_assert_msg(many < 10 * few + 0.05, "%d lookups: %.3f s among %d names, %.3f s among %d",
		      LOOKUPS, many, MANY, few, FEW);
	for (int i = 0; i < MANY; i += 97) {
		snprintf(name, sizeof(name), "host-%d.example.net", i);
		name_is(slots[i], name);
	}
	free(slots);
}
END_TEST

/* ------------------------------------------------------------- threads */

#define AGREE_THREADS 32
#define AGREE_SHARED 2000
#define AGREE_OWN 250

struct agree {
	pthread_t tid;
	int id;
	int errors;
	uint32_t shared[AGREE_SHARED];
	uint32_t own[AGREE_OWN];
};

static pthread_barrier_t agree_start;

static uint32_t thread_lookup(const char *name, int *errors)
{
	uint32_t slot = UINT32_MAX;

	if (fakedns_lookup(name, strlen(name), &slot) != FAKEDNS_OK)
		(*errors)++;
	return slot;
}

static void *agree_thread(void *arg)
{
	struct agree *t = arg;
	unsigned step = 2u * (unsigned)t->id + 1; /* coprime with AGREE_SHARED */
	char name[64];
	int own = 0;

	while (step % 5 == 0)
		step += 2;
	pthread_barrier_wait(&agree_start);
	for (unsigned k = 0; k < AGREE_SHARED; k++) {
		unsigned i = (k * step + (unsigned)t->id * 61u) % AGREE_SHARED;
		snprintf(name, sizeof(name), "shared-%u.example", i);
		t->shared[i] = thread_lookup(name, &t->errors);
		if (k % 8 == 0 && own < AGREE_OWN) {
			snprintf(name, sizeof(name), "t%d-own-%d.example", t->id, own);
			t->own[own] = thread_lookup(name, &t->errors);
			if (!name_matches(t->own[own], name))
				t->errors++;
			own++;
		}
	}
	return NULL;
}

START_TEST(test_threads_agree)
{
	static struct agree t[AGREE_THREADS];
	uint8_t *seen = calloc(DEFAULT_SLOTS / 8 + 1, 1);
	char name[64];

	pthread_barrier_init(&agree_start, NULL, AGREE_THREADS);
	for (int i = 0; i < AGREE_THREADS; i++) {
		t[i].id = i;
		ck_assert_int_eq(pthread_create(&t[i].tid, NULL, agree_thread, &t[i]), 0);
	}
	for (int i = 0; i < AGREE_THREADS; i++) {
		pthread_join(t[i].tid, NULL);
		ck_assert_int_eq(t[i].errors, 0);
	}
	for (int n = 0; n < AGREE_SHARED; n++) {
		for (int i = 1; i < AGREE_THREADS; i++)
			ck_assert_uint_eq(t[i].shared[n], t[0].shared[n]);
		ck_assert_msg(take_slot(seen, t[0].shared[n]), "slot %u twice", t[0].shared[n]);
		snprintf(name, sizeof(name), "shared-%d.example", n);
		name_is(t[0].shared[n], name);
	}
	for (int i = 0; i < AGREE_THREADS; i++) {
		for (int n = 0; n < AGREE_OWN; n++) {
			ck_assert_msg(take_slot(seen, t[i].own[n]), "slot %u twice", t[i].own[n]);
			snprintf(name, sizeof(name), "t%d-own-%d.example", i, n);
			ck_assert_uint_eq(lookup_ok(name), t[i].own[n]);
		}
	}
	pthread_barrier_destroy(&agree_start);
	free(seen);
}
END_TEST

/* --------------------------------------------------------------- forks */

struct exchange {
	uint32_t slot[64];
};

/* Parent -> child, child -> parent, child -> sibling, and after the fork. */
START_TEST(test_fork_shares)
{
	struct exchange *x = shared_mem(sizeof(*x));
	int to_child[2], to_parent[2];
	uint32_t parent_a = lookup_ok("parent-a.example"), late;
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(to_parent), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint32_t slot;
		if (fakedns_lookup("parent-a.example", 16, &slot) != FAKEDNS_OK || slot != parent_a)
			_exit(1);
		if (fakedns_lookup("child-b.example", 15, &x->slot[0]) != FAKEDNS_OK)
			_exit(2);
		if (write(to_parent[1], "b", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		/* A name the parent added after the fork. */
		if (fakedns_lookup("parent-late.example", 19, &x->slot[1]) != FAKEDNS_OK)
			_exit(4);
		_exit(name_matches(parent_a, "parent-a.example") ? 0 : 5);
	}
	ck_assert_int_eq(read(to_parent[0], &c, 1), 1);
	ck_assert_uint_eq(lookup_ok("child-b.example"), x->slot[0]);
	name_is(x->slot[0], "child-b.example");
	late = lookup_ok("parent-late.example");
	ck_assert_int_eq(write(to_child[1], "l", 1), 1);
	wait_exit0(pid);
	ck_assert_uint_eq(x->slot[1], late);

	/* A sibling sees the first child's names, and adds its own. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint32_t slot;
		if (fakedns_lookup("child-b.example", 15, &slot) != FAKEDNS_OK || slot != x->slot[0])
			_exit(1);
		if (!name_matches(late, "parent-late.example"))
			_exit(2);
		/* And a grandchild's name reaches everyone too. */
		pid_t gc = fork();
		if (gc == 0)
			_exit(fakedns_lookup("grandchild.example", 18, &x->slot[3]) == FAKEDNS_OK ? 0 : 1);
		int status;
		if (gc < 0 || waitpid(gc, &status, 0) != gc || status != 0)
			_exit(3);
		if (fakedns_lookup("sibling-c.example", 17, &x->slot[2]) != FAKEDNS_OK)
			_exit(4);
		_exit(0);
	}
	wait_exit0(pid);
	ck_assert_uint_eq(lookup_ok("sibling-c.example"), x->slot[2]);
	ck_assert_uint_eq(lookup_ok("grandchild.example"), x->slot[3]);
	ck_assert_uint_ne(x->slot[2], x->slot[3]);
	ck_assert_uint_ne(x->slot[2], x->slot[0]);
}
END_TEST

/* The atfork prepare handler maps the table if no lookup has yet. */
START_TEST(test_fork_before_first_lookup)
{
	struct exchange *x = shared_mem(sizeof(*x));
	uint32_t slot;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (fakedns_lookup("first.example", 13, &slot) != FAKEDNS_OK ||
		    fakedns_lookup("second.example", 14, &x->slot[0]) != FAKEDNS_OK)
			_exit(1);
		_exit(0);
	}
	wait_exit0(pid);
	ck_assert_uint_eq(lookup_ok("second.example"), x->slot[0]);
	name_is(x->slot[0], "second.example");
}
END_TEST

/*
 * A fork before the configuration was read: the child, which reads it
 * first, chooses the ranges; the parent, configured later with others,
 * adopts the child's, so both still mean the same name by an address.
 */
START_TEST(test_fork_before_configuration)
{
	struct exchange *x = shared_mem(sizeof(*x));
	struct fakedns_options mine = options("203.0.113.0/24", "2001:db8:5::/64", 0, 0);
	struct sockaddr_storage ss;
	uint32_t slot;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct fakedns_options child = options("198.51.100.0/24", "2001:db8:6::/64", 0, 0);
		_exit(!fakedns_configure(&child) ||
		      fakedns_lookup("child.example", 13, &x->slot[0]) != FAKEDNS_OK);
	}
	wait_exit0(pid);
	ck_assert(!fakedns_configure(&mine)); /* not the ranges in force */
	ck_assert_uint_eq(lookup_ok("child.example"), x->slot[0]);
	slot = lookup_ok("parent.example");
	addr4_is(slot, "198.51.100.2");
	ss = sa("198.51.100.1");
	ck_assert(fakedns_in_range(&ss, &slot));
	ss = sa("203.0.113.1");
	ck_assert(!fakedns_in_range(&ss, &slot));
}
END_TEST

/*
 * A prepare handler registered before ours runs after it and may call
 * fakedns_ensure, even when ours could not map the table (and holds the
 * lock that creating it takes).
 */
static int outer_prepares;

static void outer_prepare(void)
{
	fakedns_ensure();
	outer_prepares++;
}

START_TEST(test_fork_handlers_nest)
{
	int logfd = capture_log();
	pid_t pid;

	ck_assert_int_eq(pthread_atfork(outer_prepare, NULL, NULL), 0);
	fakedns_test_hook(HOOK_HEAP_FAILS);
	alarm(20); /* a self-deadlock shows as SIGALRM */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(lookup_st("child.example") == FAKEDNS_NOMEM ? 0 : 1);
	wait_exit0(pid);
	ck_assert_int_eq(outer_prepares, 1);
	ck_assert_int_ge(log_count(logfd, "cannot map"), 1);

	/* Once it can be mapped, the next fork shares it. */
	fakedns_test_hook(HOOK_HEAP_WORKS);
	struct exchange *x = shared_mem(sizeof(*x));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fakedns_lookup("child.example", 13, &x->slot[0]) == FAKEDNS_OK ? 0 : 1);
	wait_exit0(pid);
	alarm(0);
	ck_assert_int_eq(outer_prepares, 2);
	ck_assert_uint_eq(lookup_ok("child.example"), x->slot[0]);
}
END_TEST

#define HAMMER_THREADS 8
#define HAMMER_HOT 64
#define HAMMER_FORKS 30

static atomic_bool hammer_stop;
static atomic_int hammer_errors;
static uint32_t hot_slot[HAMMER_HOT];

static void *hammer_thread(void *arg)
{
	long id = (long)arg;
	char name[64];
	uint32_t slot;

	for (unsigned n = 0; !atomic_load(&hammer_stop); n++) {
		snprintf(name, sizeof(name), "hot-%u.example", n % HAMMER_HOT);
		if (fakedns_lookup(name, strlen(name), &slot) != FAKEDNS_OK ||
		    slot != hot_slot[n % HAMMER_HOT])
			atomic_fetch_add(&hammer_errors, 1);
		if (n < 3000) {
			snprintf(name, sizeof(name), "h%ld-%u.example", id, n);
			if (fakedns_lookup(name, strlen(name), &slot) != FAKEDNS_OK ||
			    !name_matches(slot, name))
				atomic_fetch_add(&hammer_errors, 1);
		}
	}
	return NULL;
}

/* A child forked while other threads are mid-lookup neither hangs nor disagrees. */
static int forked_child(struct exchange *x, int i)
{
	char name[64];
	uint32_t slot;

	alarm(10); /* a hang shows as SIGALRM */
	snprintf(name, sizeof(name), "hot-%d.example", i % HAMMER_HOT);
	if (fakedns_lookup(name, strlen(name), &slot) != FAKEDNS_OK || slot != hot_slot[i % HAMMER_HOT])
		return 1;
	snprintf(name, sizeof(name), "forked-%d.example", i);
	if (fakedns_lookup(name, strlen(name), &x->slot[i]) != FAKEDNS_OK)
		return 2;
	return name_matches(x->slot[i], name) ? 0 : 3;
}

START_TEST(test_fork_while_hammering)
{
	struct exchange *x = shared_mem(sizeof(*x));
	pthread_t tid[HAMMER_THREADS];
	uint8_t *seen = calloc(DEFAULT_SLOTS / 8 + 1, 1);
	char name[64];

	for (int i = 0; i < HAMMER_HOT; i++) {
		snprintf(name, sizeof(name), "hot-%d.example", i);
		hot_slot[i] = lookup_ok(name);
	}
	for (long i = 0; i < HAMMER_THREADS; i++)
		ck_assert_int_eq(pthread_create(&tid[i], NULL, hammer_thread, (void *)i), 0);
	for (int i = 0; i < HAMMER_FORKS; i++) {
		sleep_ms(1 + i % 4);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(forked_child(x, i));
		wait_exit0(pid);
	}
	atomic_store(&hammer_stop, true);
	for (int i = 0; i < HAMMER_THREADS; i++)
		pthread_join(tid[i], NULL);
	ck_assert_int_eq(atomic_load(&hammer_errors), 0);
	for (int i = 0; i < HAMMER_FORKS; i++) {
		snprintf(name, sizeof(name), "forked-%d.example", i);
		ck_assert_uint_eq(lookup_ok(name), x->slot[i]);
		ck_assert(take_slot(seen, x->slot[i]));
	}
	free(seen);
}
END_TEST

/* ----------------------------------------------------------- recycling */

/*
 * 198.18.0.0/28: 14 slots; "recent" is 1 s, so an entry can go once its
 * last use is two whole seconds back. The sleeps give n0 a later last use
 * than n1 although its slot comes first, so the order seen is by age.
 */
START_TEST(test_recycle)
{
	int logfd = capture_log();
	uint32_t s[14];
	char name[32];

	configure("198.18.0.0/28", "fd53:6b73:6679::/64", 0, 1);
	for (int i = 0; i < 14; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		s[i] = lookup_ok(name);
		ck_assert_uint_lt(s[i], 14);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(s[i], s[j]);
	}
	/* All recent: full, with one log line naming the size; names keep working. */
	ck_assert_int_eq(lookup_st("x.example"), FAKEDNS_FULL);
	ck_assert_int_eq(log_count(logfd, "all 14 placeholder"), 1);
	ck_assert_uint_eq(lookup_ok("n3.example"), s[3]);

	/* n5 is held by two sockets; releases never take it below zero. */
	fakedns_hold(s[5], -3);
	fakedns_hold(s[5], 2);

	sleep_ms(1100);
	lookup_ok("n0.example");
	sleep_ms(2200);
	for (int i = 2; i < 14; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		if (i != 5)
			ck_assert_uint_eq(lookup_ok(name), s[i]);
	}
	/* Old: n1, then n0, and n5 (held). The oldest goes first, its name with it. */
	ck_assert_uint_eq(lookup_ok("x.example"), s[1]);
	ck_assert_uint_eq(lookup_ok("y.example"), s[0]);
	name_is(s[1], "x.example");
	name_is(s[0], "y.example");
	ck_assert_int_eq(lookup_st("z.example"), FAKEDNS_FULL);
	fakedns_hold(s[5], -1);
	ck_assert_int_eq(lookup_st("z.example"), FAKEDNS_FULL);
	fakedns_hold(s[5], -1);
	ck_assert_uint_eq(lookup_ok("z.example"), s[5]);
	name_is(s[5], "z.example");
	ck_assert_int_eq(lookup_st("n1.example"), FAKEDNS_FULL);
	ck_assert_int_eq(lookup_st("n0.example"), FAKEDNS_FULL);
	ck_assert_int_eq(log_count(logfd, "all 14 placeholder"), 5);
	ck_assert_uint_eq(lookup_ok("n13.example"), s[13]);
}
END_TEST

/*
 * Recycled names give their space to the next ones: in a name region of
 * 1 KiB, thousands of names of every length come and go, each one as soon
 * as it is no longer recent, and every lookup finds room (by evicting more
 * of the old names when the space is fragmented).
 */
START_TEST(test_recycle_reuses_name_space)
{
	char name[FAKEDNS_NAME_MAX + 1];

	log_setup(LOG_ERROR, 2, false);
	small_name_region();
	srand(99);
	for (int i = 0; i < 5000; i++) {
		int len = i % 3 == 0 ? FAKEDNS_NAME_MAX : 1 + rand() % FAKEDNS_NAME_MAX;
		name_of_len(name, i, len);
		name_is(lookup_ok(name), name);
		tick(2);
	}
	ck_assert_int_ge(names_consistent(14), 1);
}
END_TEST

/* With the real name region, short names recycled into long ones never run out. */
START_TEST(test_recycle_short_to_long)
{
	char name[FAKEDNS_NAME_MAX + 1];
	uint32_t slots[14];

	log_setup(LOG_ERROR, 2, false);
	configure("198.18.0.0/28", "fd53:6b73:6679::/64", 0, 1);
	tick(1);
	for (int round = 0; round < 40; round++) {
		int len = round % 2 ? FAKEDNS_NAME_MAX - round : 1 + round;
		for (int i = 0; i < 14; i++) {
			name_of_len(name, round * 14 + i, len);
			slots[i] = lookup_ok(name);
		}
		for (int i = 0; i < 14; i++) {
			name_of_len(name, round * 14 + i, len);
			name_is(slots[i], name);
		}
		tick(2);
	}
	ck_assert_int_eq(names_consistent(14), 14);
}
END_TEST

/*
 * Random lookups, holds, releases and clock ticks against a model of the
 * table (the clock is the test's: it stands still between ticks). A new
 * name must get a free slot, else one that is neither recent nor held and
 * least recently used, else FULL; a recycled name must be gone. Evicted
 * names come back as new ones. The larger table has more slots than the
 * table keeps recycling candidates for; holds favour the oldest entries.
 */
#define MODEL_MAX 1022

static const struct {
	const char *range4;
	uint32_t slots;
	int steps;
} models[] = {
	{ "198.18.0.0/28", 14, 20000 },
	{ "198.18.0.0/22", 1022, 40000 },
};

struct model_slot {
	char name[32];
	int64_t last;
	int hold;
	bool used;
};

struct model {
	struct model_slot s[MODEL_MAX];
	uint32_t n;
	int64_t now;
	char evicted[64][32];
	unsigned nevicted, next_name;
};

static bool model_eligible(const struct model *m, uint32_t i)
{
	return m->s[i].used && m->s[i].hold == 0 && m->now - m->s[i].last > 1;
}

/* An evicted name may since have come back. */
static bool model_has(const struct model *m, const char *name)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (m->s[i].used && strcmp(m->s[i].name, name) == 0)
			return true;
	return false;
}

static void model_new_name(struct model *m)
{
	bool again = m->nevicted > 0 && rand() % 3 == 0;
	int64_t oldest = INT64_MAX;
	bool any_free = false;
	uint32_t slot = UINT32_MAX;
	char name[32];

	if (again)
		snprintf(name, sizeof(name), "%s", m->evicted[(unsigned)rand() % m->nevicted]);
	if (!again || model_has(m, name))
		snprintf(name, sizeof(name), "r%u.example", m->next_name++);
	enum fakedns_status st = fakedns_lookup(name, strlen(name), &slot);

	for (uint32_t i = 0; i < m->n; i++) {
		any_free |= !m->s[i].used;
		if (model_eligible(m, i) && m->s[i].last < oldest)
			oldest = m->s[i].last;
	}
	if (!any_free && oldest == INT64_MAX) {
		ck_assert_int_eq(st, FAKEDNS_FULL);
		return;
	}
	ck_assert_int_eq(st, FAKEDNS_OK);
	ck_assert_uint_lt(slot, m->n);
	if (any_free)
		ck_assert_msg(!m->s[slot].used, "slot %u was in use", slot);
	else
		ck_assert_msg(model_eligible(m, slot) && m->s[slot].last == oldest,
			      "slot %u: last %lld hold %d, oldest %lld", slot,
			      (long long)m->s[slot].last, m->s[slot].hold, (long long)oldest);
	if (m->s[slot].used)
		memcpy(m->evicted[m->nevicted++ % 64], m->s[slot].name, 32);
	if (m->nevicted > 64)
		m->nevicted = 64;
	snprintf(m->s[slot].name, sizeof(m->s[slot].name), "%s", name);
	m->s[slot].last = m->now;
	m->s[slot].hold = 0;
	m->s[slot].used = true;
}

static uint32_t model_oldest(const struct model *m)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < m->n; i++)
		if (m->s[i].used && (!m->s[best].used || m->s[i].last < m->s[best].last))
			best = i;
	return best;
}

static void model_step(struct model *m)
{
	int op = rand() % 12;
	uint32_t i = (uint32_t)rand() % m->n;
	char out[FAKEDNS_NAME_MAX + 1];

	if (op < 2) {
		fakedns_test_hook(HOOK_CLOCK_TICK);
		m->now++;
	} else if (op < 5) {
		model_new_name(m);
	} else if (op < 8) {
		if (m->s[i].used) {
			ck_assert_uint_eq(lookup_ok(m->s[i].name), i);
			m->s[i].last = m->now;
		}
	} else if (op < 9) {
		ck_assert(fakedns_name(i, out) == m->s[i].used);
		if (m->s[i].used) {
			ck_assert_str_eq(out, m->s[i].name);
			m->s[i].last = m->now;
		}
	} else {
		if (rand() % 2)
			i = model_oldest(m);
		int delta = op < 10 ? 1 : -1;
		fakedns_hold(i, delta);
		if (m->s[i].used)
			m->s[i].hold = m->s[i].hold + delta < 0 ? 0 : m->s[i].hold + delta;
	}
}

START_TEST(test_recycle_model)
{
	static struct model m;
	const char *seed = getenv("FAKEDNS_MODEL_SEED");

	log_setup(LOG_ERROR, 2, false);
	configure(models[_i].range4, "fd53:6b73:6679::/64", 0, 1);
	fakedns_test_hook(HOOK_CLOCK_TICK); /* the clock stands at 1000 */
	m.n = models[_i].slots;
	m.now = 1000;
	srand(seed ? (unsigned)atoi(seed) : 7);
	for (int step = 0; step < models[_i].steps; step++)
		model_step(&m);
	ck_assert_uint_gt(m.nevicted, 0);
	for (uint32_t i = 0; i < m.n; i++)
		if (m.s[i].used)
			name_is(i, m.s[i].name);
}
END_TEST

/* ---------------------------------------------------------- robustness */

#define OLD_NAMES 300

static void names_keep_slots(const char *fmt, const uint32_t *slots, int n)
{
	char name[64];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), fmt, i);
		ck_assert_uint_eq(lookup_ok(name), slots[i]);
		name_is(slots[i], name);
	}
}

/* A process dies holding the lock with the index and heap in pieces. */
START_TEST(test_owner_died)
{
	int logfd = capture_log();
	uint32_t old[OLD_NAMES], fresh[OLD_NAMES];
	uint8_t *seen = calloc(DEFAULT_SLOTS / 8 + 1, 1);
	char name[64];

	for (int i = 0; i < OLD_NAMES; i++) {
		snprintf(name, sizeof(name), "old-%d.example", i);
		old[i] = lookup_ok(name);
		ck_assert(take_slot(seen, old[i]));
	}
	die_holding_lock(false);
	names_keep_slots("old-%d.example", old, OLD_NAMES);
	for (int i = 0; i < OLD_NAMES; i++) {
		snprintf(name, sizeof(name), "new-%d.example", i);
		fresh[i] = lookup_ok(name);
		ck_assert(take_slot(seen, fresh[i]));
	}
	names_keep_slots("old-%d.example", old, OLD_NAMES);
	ck_assert_int_eq(log_count(logfd, "died"), 1);

	/* Again, killed this time; the names added since survive too. */
	die_holding_lock(true);
	names_keep_slots("old-%d.example", old, OLD_NAMES);
	names_keep_slots("new-%d.example", fresh, OLD_NAMES);
	ck_assert(take_slot(seen, lookup_ok("after.example")));
	ck_assert_int_eq(log_count(logfd, "died"), 2);
	free(seen);
}
END_TEST

#define KILL_ROUNDS 25
#define KEEP_NAMES 100

static void killed_child(int round)
{
	char name[64], out[FAKEDNS_NAME_MAX + 1];
	uint32_t slot;

	alarm(10);
	for (unsigned n = 0;; n++) {
		if (n < 4000) {
			snprintf(name, sizeof(name), "k%d-%u.example", round, n);
			fakedns_lookup(name, strlen(name), &slot);
		}
		snprintf(name, sizeof(name), "keep-%u.example", n % KEEP_NAMES);
		if (fakedns_lookup(name, strlen(name), &slot) == FAKEDNS_OK) {
			fakedns_hold(slot, 1);
			fakedns_name(slot, out);
			fakedns_hold(slot, -1);
		}
	}
}

/* Children SIGKILLed at random points of heavy use, often holding the lock. */
START_TEST(test_killed_while_hammering)
{
	int logfd = capture_log();
	uint32_t keep[KEEP_NAMES];
	char name[FAKEDNS_NAME_MAX + 1];
	int status, checked = 0;

	for (int i = 0; i < KEEP_NAMES; i++) {
		snprintf(name, sizeof(name), "keep-%d.example", i);
		keep[i] = lookup_ok(name);
	}
	srand(12345);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			killed_child(round);
		sleep_ms(1 + rand() % 4);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		names_keep_slots("keep-%d.example", keep, KEEP_NAMES);
	}
	/* Every name left in the table maps back to its own slot. */
	for (uint32_t slot = 0; slot < DEFAULT_SLOTS; slot++) {
		if (!fakedns_name(slot, name))
			continue;
		ck_assert_uint_eq(lookup_ok(name), slot);
		checked++;
	}
	ck_assert_int_ge(checked, KEEP_NAMES);
	if (getenv("FAKEDNS_TEST_VERBOSE"))
		fprintf(stderr, "killed_while_hammering: %d names, %d recoveries\n", checked,
			log_count(logfd, "died"));
}
END_TEST

/* Out of arena memory: the lookup fails, the program goes on, nothing is lost. */
START_TEST(test_out_of_memory)
{
	enum { MAX_TRIES = 100000 };
	int logfd = capture_log();
	uint32_t *slots = malloc(MAX_TRIES * sizeof(*slots));
	char name[64], out[FAKEDNS_NAME_MAX + 1];
	enum fakedns_status st = FAKEDNS_OK;
	int n;

	/* No arena, then no room for the index itself (the first name makes it). */
	fakedns_test_hook(HOOK_HEAP_FAILS);
	ck_assert_int_eq(lookup_st("first.example"), FAKEDNS_NOMEM);
	ck_assert_int_eq(log_count(logfd, "cannot map"), 1);
	fakedns_test_hook(HOOK_HEAP_WORKS);
	fakedns_ensure();
	fakedns_test_hook(HOOK_HEAP_FAILS);
	ck_assert_int_eq(lookup_st("first.example"), FAKEDNS_NOMEM);
	ck_assert(!fakedns_name(0, out));
	fakedns_test_hook(HOOK_HEAP_WORKS);
	ck_assert_uint_eq(lookup_ok("first.example"), 0);

	/* Later ones need memory only when the bucket array grows. */
	for (n = 0; n < 50; n++) {
		snprintf(name, sizeof(name), "m%d.example", n);
		slots[n] = lookup_ok(name);
	}
	fakedns_test_hook(HOOK_HEAP_FAILS);
	for (; n < MAX_TRIES; n++) {
		snprintf(name, sizeof(name), "m%d.example", n);
		st = fakedns_lookup(name, strlen(name), &slots[n]);
		if (st != FAKEDNS_OK)
			break;
	}
	ck_assert_int_eq(st, FAKEDNS_NOMEM);
	ck_assert_int_gt(n, 50);
	ck_assert_int_eq(log_count(logfd, "exhausted"), 2);
	ck_assert_int_eq(log_count(logfd, "cannot map"), 1);
	uint32_t next = slots[n - 1] + 1;
	ck_assert(!fakedns_name(next, out)); /* the failed name was undone */
	ck_assert_int_eq(fakedns_lookup(name, strlen(name), &slots[n]), FAKEDNS_NOMEM);
	names_keep_slots("m%d.example", slots, n);

	fakedns_test_hook(HOOK_HEAP_WORKS);
	ck_assert_uint_eq(lookup_ok(name), next);
	name_is(next, name);
	ck_assert_uint_eq(lookup_ok("after.example"), next + 1);
	names_keep_slots("m%d.example", slots, n);
	free(slots);
}
END_TEST

/*
 * The name region runs out: the lookup fails while every name is recent,
 * the names there keep working, and once they may go, new names take
 * their space.
 */
START_TEST(test_name_region_exhausted)
{
	int logfd = capture_log();
	char name[FAKEDNS_NAME_MAX + 1];
	uint32_t slots[4];

	small_name_region();
	for (int i = 0; i < 4; i++) {
		name_of_len(name, i, FAKEDNS_NAME_MAX);
		slots[i] = lookup_ok(name);
	}
	ck_assert_int_eq(lookup_st("x"), FAKEDNS_NOMEM);
	name_of_len(name, 4, FAKEDNS_NAME_MAX);
	ck_assert_int_eq(lookup_st(name), FAKEDNS_NOMEM);
	ck_assert_int_eq(log_count(logfd, "exhausted"), 2);
	for (int i = 0; i < 4; i++) {
		name_of_len(name, i, FAKEDNS_NAME_MAX);
		ck_assert_uint_eq(lookup_ok(name), slots[i]);
	}

	/* Name 0 was used last: the others go first, one per long name. */
	tick(1);
	name_of_len(name, 0, FAKEDNS_NAME_MAX);
	lookup_ok(name);
	tick(1);
	name_of_len(name, 4, FAKEDNS_NAME_MAX);
	name_is(lookup_ok(name), name);
	ck_assert_int_eq(names_consistent(14), 4);
	name_of_len(name, 0, FAKEDNS_NAME_MAX);
	ck_assert_uint_eq(lookup_ok(name), slots[0]);

	/* Once they may go again, a short name evicts one more, and the rest
	 * of its block serves others. */
	tick(2);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		name_is(lookup_ok(name), name);
	}
	ck_assert_int_eq(names_consistent(14), 3 + 8);
	ck_assert_int_eq(log_count(logfd, "exhausted"), 2);
}
END_TEST

/*
 * A process dies with the name free lists leading to names in use and the
 * region's end moved back to its start: rebuilt, new names take exactly
 * the free space, neither overwriting a name in use nor losing any.
 */
START_TEST(test_owner_died_name_space)
{
	int logfd = capture_log();
	char name[FAKEDNS_NAME_MAX + 1];
	uint32_t slots[4];

	small_name_region();
	for (int i = 0; i < 3; i++) {
		name_of_len(name, i, FAKEDNS_NAME_MAX - i);
		slots[i] = lookup_ok(name);
	}
	/* A fourth long name came and went: its block is free, and a sweep's. */
	name_of_len(name, 3, FAKEDNS_NAME_MAX);
	slots[3] = lookup_ok(name);
	die_holding_lock(false);
	ck_assert_int_eq(names_consistent(14), 4);
	ck_assert_int_eq(log_count(logfd, "died"), 1);

	/* Full: nothing may go yet, and nothing in use is handed out again. */
	ck_assert_int_eq(lookup_st("x"), FAKEDNS_NOMEM);
	for (int i = 0; i < 4; i++) {
		name_of_len(name, i, FAKEDNS_NAME_MAX - (i < 3 ? i : 0));
		name_is(slots[i], name);
	}
	tick(2);
	name_of_len(name, 9, FAKEDNS_NAME_MAX);
	name_is(lookup_ok(name), name);
	ck_assert_int_eq(names_consistent(14), 4);
}
END_TEST

/*
 * As the library does at load, but in each test's own process (a checked
 * fixture runs after Check's fork): registered in main, it would map the
 * table in the runner before every test.
 */
static void register_fork_handlers(void)
{
	pthread_atfork(fakedns_fork_prepare, fakedns_fork_parent, fakedns_fork_child);
}

static Suite *fakedns_suite(void)
{
	Suite *s = suite_create("fakedns");
	TCase *ranges = tcase_create("ranges");
	TCase *table = tcase_create("table");
	TCase *shared = tcase_create("shared");
	TCase *recycle = tcase_create("recycle");
	TCase *robust = tcase_create("robust");

	tcase_add_test(ranges, test_default_ranges);
	tcase_add_test(ranges, test_smallest_ranges);
	tcase_add_test(ranges, test_configure_rejects);
	tcase_add_test(ranges, test_host_bits_and_narrow_v6);
	tcase_add_test(ranges, test_slot_count_v6_smaller);
	tcase_add_test(ranges, test_slot_count_max_slots);
	tcase_add_test(table, test_lookup_basics);
	tcase_add_test(table, test_name_lengths);
	tcase_add_test(table, test_many_names_fast);
	tcase_add_test(shared, test_threads_agree);
	tcase_add_test(shared, test_fork_shares);
	tcase_add_test(shared, test_fork_before_first_lookup);
	tcase_add_test(shared, test_fork_before_configuration);
	tcase_add_test(shared, test_fork_handlers_nest);
	tcase_add_test(shared, test_fork_while_hammering);
	tcase_add_test(recycle, test_recycle);
	tcase_add_test(recycle, test_recycle_reuses_name_space);
	tcase_add_test(recycle, test_recycle_short_to_long);
	tcase_add_loop_test(recycle, test_recycle_model, 0, (int)(sizeof(models) / sizeof(models[0])));
	tcase_add_test(robust, test_owner_died);
	tcase_add_test(robust, test_killed_while_hammering);
	tcase_add_test(robust, test_out_of_memory);
	tcase_add_test(robust, test_name_region_exhausted);
	tcase_add_test(robust, test_owner_died_name_space);

	TCase *all[] = { ranges, table, shared, recycle, robust };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_set_timeout(all[i], 60);
		tcase_add_checked_fixture(all[i], register_fork_handlers, NULL);
		suite_add_tcase(s, all[i]);
	}
	return s;
}

int main(void)
{
	/* Each test needs a fresh process (see the top of this file). */
	return run_suite(fakedns_suite(), CK_FORK);
}
