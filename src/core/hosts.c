#include "hosts.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "file.h"
#include "hash.h"
#include "log.h"
#include "real.h"

/* Ad-blocking hosts files run to a few MiB; the names are hashed once per snapshot. */
#define HOSTS_MAX ((size_t)64 * 1024 * 1024)
#define FIELDS_MAX 32
#define OWN_NAME_MAX 256

static _Atomic unsigned recheck_ms = HOSTS_RECHECK_MS;

void hosts_set_recheck_ms(unsigned ms)
{
	atomic_store_explicit(&recheck_ms, ms, memory_order_relaxed);
}

/* The coarse clock is read in the vDSO: no system call, a few ms of resolution. */
static int64_t now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) /* kernels before 2.6.32 */
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether what was confirmed at *checked_ms may still be used unchecked. */
static bool recent(const _Atomic int64_t *checked_ms, int64_t now)
{
	return now - atomic_load_explicit(checked_ms, memory_order_relaxed) <
	       (int64_t)atomic_load_explicit(&recheck_ms, memory_order_relaxed);
}

/* One line split into fields; comments and blank lines give 0 fields. */
struct line {
	char *field[FIELDS_MAX];
	int n;
};

static void split(char *text, struct line *line)
{
	char *hash = strchr(text, '#');

	if (hash != NULL)
		*hash = '\0';
	char *save = NULL;

	line->n = 0;
	for (char *tok = strtok_r(text, " \t\r", &save); tok != NULL && line->n < FIELDS_MAX;
	     tok = strtok_r(NULL, " \t\r", &save))
		line->field[line->n++] = tok;
}

typedef bool (*line_fn)(const struct line *line, void *ctx);

/* Calls fn for each line of text (split in place) with an address and a name, until it says stop. */
static bool each_line(char *text, line_fn fn, void *ctx)
{
	bool found = false;

	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		struct line line;
		split(l, &line);
		if (line.n >= 2)
			found = fn(&line, ctx);
	}
	return found;
}

/* What tells that the file changed; a missing file is not present. */
struct file_id {
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* false: no answer now (no memory, no fd), ask again at the next lookup. */
static bool file_id_of(const char *path, struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (real_stat(path, &st) < 0)
		return !file_error_transient(errno);
	id->present = true;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
	return true;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	return a->present == b->present && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && same_time(&a->mtime, &b->mtime) && same_time(&a->ctime, &b->ctime);
}

/* A slot of the name index: open addressing, a NULL name ends a probe. */
struct name_slot {
	uint32_t hash;
	const char *name;
};

/* Names are compared without ASCII case: they hash without it. */
static uint32_t name_hash(const char *name)
{
	return (uint32_t)hash_bytes(name, strlen(name), 0, HASH_FOLD_CASE);
}

/*
 * The file as last read, kept while its identity and time stamps stay the
 * same, with an index of its names. Snapshots are never changed once
 * published but for the time they were last confirmed, and never freed
 * (one per change of the file), so readers need no lock; each keeps the
 * one it replaced, so none is lost.
 */
struct snapshot {
	const struct snapshot *older;
	char path[PATH_MAX];
	struct file_id id;
	_Atomic int64_t checked_ms; /* when the file was last seen unchanged */
	struct name_slot *slots;    /* mask + 1 of them, at least half empty */
	size_t mask;
	char *names; /* a split copy of text, which slots point into */
	size_t len;
	char text[]; /* NUL-terminated */
};

static _Atomic(struct snapshot *) last;

struct name_list {
	const char **name;
	size_t n, cap;
	bool failed;
};

/* Every field after the address is a name, as line_has_name sees it. */
static bool collect_names(const struct line *line, void *ctx)
{
	struct name_list *list = ctx;

	for (int i = 1; i < line->n; i++) {
		if (list->n == list->cap) {
			size_t cap = list->cap ? 2 * list->cap : 64;
			const char **grown = realloc(list->name, cap * sizeof(*grown));
			if (grown == NULL) {
				list->failed = true;
				return true;
			}
			list->name = grown;
			list->cap = cap;
		}
		list->name[list->n++] = line->field[i];
	}
	return false;
}

static void index_add(struct snapshot *snap, const char *name)
{
	uint32_t h = name_hash(name);
	size_t i = h & snap->mask;

	while (snap->slots[i].name != NULL)
		i = (i + 1) & snap->mask;
	snap->slots[i] = (struct name_slot){ h, name };
}

/* Indexes the names of snap->names, split in place. false: no memory. */
static bool index_names(struct snapshot *snap)
{
	struct name_list list = { 0 };
	size_t size = 1;

	each_line(snap->names, collect_names, &list);
	while (size < 2 * list.n)
		size *= 2;
	snap->slots = list.failed ? NULL : calloc(size, sizeof(*snap->slots));
	snap->mask = size - 1;
	for (size_t i = 0; snap->slots != NULL && i < list.n; i++)
		index_add(snap, list.name[i]);
	free(list.name);
	return snap->slots != NULL;
}

static bool indexed(const struct snapshot *snap, const char *name)
{
	uint32_t h = name_hash(name);

	for (size_t i = h & snap->mask; snap->slots[i].name != NULL; i = (i + 1) & snap->mask)
		if (snap->slots[i].hash == h && strcasecmp(snap->slots[i].name, name) == 0)
			return true;
	return false;
}

static struct snapshot *snapshot_new(const char *path, const struct file_id *id, const char *text,
				     size_t len, int64_t now)
{
	struct snapshot *snap = malloc(sizeof(*snap) + 2 * (len + 1));

	if (snap == NULL)
		return NULL;
	memcpy(snap->path, path, strlen(path) + 1);
	snap->id = *id;
	atomic_init(&snap->checked_ms, now);
	snap->len = len;
	memcpy(snap->text, text, len + 1);
	snap->names = snap->text + len + 1;
	memcpy(snap->names, text, len + 1);
	if (index_names(snap))
		return snap;
	free(snap);
	return NULL;
}

/* A snapshot of the file read now; a missing or unreadable one is empty. NULL: not now. */
static struct snapshot *snapshot_read(const char *path, const struct file_id *id, int64_t now)
{
	size_t len = 0;
	char *text = id->present ? file_read_all(path, HOSTS_MAX, &len) : NULL;
	struct snapshot *snap;

	if (id->present && text == NULL && file_error_transient(errno))
		return NULL;
	if (id->present && text == NULL && errno == EFBIG)
		log_msg(LOG_WARN, "%s is over %zu MiB: its names are not used", path, HOSTS_MAX >> 20);
	snap = snapshot_new(path, id, text != NULL ? text : "", text != NULL ? len : 0, now);
	free(text);
	return snap;
}

static void snapshot_publish(struct snapshot *snap)
{
	struct snapshot *cur = atomic_load_explicit(&last, memory_order_relaxed);

	do
		snap->older = cur;
	while (!atomic_compare_exchange_weak_explicit(&last, &cur, snap, memory_order_release,
						      memory_order_relaxed));
}

/* After a stat: the same snapshot if the file is unchanged, else a new one, published. */
static const struct snapshot *snapshot_checked(struct snapshot *snap, const char *path, int64_t now)
{
	struct file_id id;

	if (strlen(path) >= PATH_MAX || !file_id_of(path, &id))
		return NULL;
	if (snap != NULL && same_file(&snap->id, &id) && strcmp(snap->path, path) == 0) {
		atomic_store_explicit(&snap->checked_ms, now, memory_order_relaxed);
		return snap;
	}
	snap = snapshot_read(path, &id, now);
	if (snap != NULL)
		snapshot_publish(snap);
	return snap;
}

static const struct snapshot *snapshot_of(const char *path)
{
	struct snapshot *snap = atomic_load_explicit(&last, memory_order_acquire);
	int64_t now = now_ms();

	if (snap != NULL && recent(&snap->checked_ms, now) && strcmp(snap->path, path) == 0)
		return snap;
	return snapshot_checked(snap, path, now);
}

/* Calls fn for each line with an address and a name, until it says stop. */
static bool scan(const char *path, line_fn fn, void *ctx)
{
	const struct snapshot *snap = snapshot_of(path);
	char *text = snap != NULL ? malloc(snap->len + 1) : NULL;
	bool found;

	if (text == NULL)
		return false;
	memcpy(text, snap->text, snap->len + 1);
	found = each_line(text, fn, ctx);
	free(text);
	return found;
}

bool hosts_has_name(const char *path, const char *name)
{
	const struct snapshot *snap = snapshot_of(path);

	return snap != NULL && indexed(snap, name);
}

static bool line_has_name(const struct line *line, void *ctx)
{
	for (int i = 1; i < line->n; i++)
		if (strcasecmp(line->field[i], ctx) == 0)
			return true;
	return false;
}

struct forward {
	const char *name;
	struct sockaddr_storage *out;
	size_t max, n;
};

static bool line_addr(const char *text, struct sockaddr_storage *ss)
{
	struct cidr c;

	if (!cidr_parse(text, strlen(text), &c) || strchr(text, '/') != NULL)
		return false;
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = c.family;
	if (c.family == AF_INET)
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, c.bytes, 4);
	else
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, c.bytes, 16);
	return true;
}

/* Collects every match: returns false so that the scan goes on. */
static bool line_gives_name(const struct line *line, void *ctx)
{
	struct forward *f = ctx;

	if (f->n < f->max && line_has_name(line, (void *)f->name) && line_addr(line->field[0], &f->out[f->n]))
		f->n++;
	return false;
}

size_t hosts_addrs(const char *path, const char *name, struct sockaddr_storage *out, size_t max)
{
	struct forward f = { name, out, max, 0 };

	scan(path, line_gives_name, &f);
	return f.n;
}

struct reverse {
	const struct sockaddr_storage *addr;
	char *out;
	size_t cap;
};

static bool line_has_addr(const struct line *line, void *ctx)
{
	struct reverse *r = ctx;
	struct cidr c;

	/* A single address is a full-length CIDR; a v4-mapped one becomes IPv4. */
	if (!cidr_parse(line->field[0], strlen(line->field[0]), &c) || !cidr_match(&c, r->addr))
		return false;
	size_t len = strlen(line->field[1]);

	if (len >= r->cap)
		return false;
	memcpy(r->out, line->field[1], len + 1);
	return true;
}

bool hosts_name_of(const char *path, const struct sockaddr_storage *addr, char *out, size_t cap)
{
	struct reverse r = { addr, out, cap };

	return scan(path, line_has_addr, &r);
}

/* This machine's name as last seen; like snapshots, one per change, never freed. */
struct own_name {
	const struct own_name *older;
	_Atomic int64_t checked_ms;
	char name[OWN_NAME_MAX];
};

static _Atomic(struct own_name *) own;

static struct own_name *own_name_new(const char *name, int64_t now)
{
	struct own_name *o = malloc(sizeof(*o));

	if (o == NULL)
		return NULL;
	struct own_name *cur = atomic_load_explicit(&own, memory_order_relaxed);

	atomic_init(&o->checked_ms, now);
	memcpy(o->name, name, OWN_NAME_MAX);
	do
		o->older = cur;
	while (!atomic_compare_exchange_weak_explicit(&own, &cur, o, memory_order_release,
						      memory_order_relaxed));
	return o;
}

static const struct own_name *own_name(void)
{
	struct own_name *cur = atomic_load_explicit(&own, memory_order_acquire);
	int64_t now = now_ms();
	char name[OWN_NAME_MAX] = { 0 };

	if (cur != NULL && recent(&cur->checked_ms, now))
		return cur;
	if (gethostname(name, sizeof(name) - 1) != 0)
		return NULL;
	if (cur != NULL && strcmp(cur->name, name) == 0) {
		atomic_store_explicit(&cur->checked_ms, now, memory_order_relaxed);
		return cur;
	}
	return own_name_new(name, now);
}

bool hosts_is_own_name(const char *name)
{
	const struct own_name *o = own_name();

	return o != NULL && strcasecmp(name, o->name) == 0;
}
