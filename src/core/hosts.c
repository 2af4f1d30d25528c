#include "hosts.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "addr.h"
#include "file.h"
#include "real.h"

#define HOSTS_MAX ((size_t)256 * 1024)
#define FIELDS_MAX 32

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

/*
 * The file as last read, kept while its identity and time stamp stay the
 * same: a lookup then costs a stat, not an open and a read. Snapshots are
 * never changed once published, and never freed (one per change of the
 * file), so readers need no lock.
 */
struct snapshot {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	size_t len;
	char text[]; /* NUL-terminated */
};

static _Atomic(struct snapshot *) last;

static bool same_file(const struct snapshot *snap, const char *path, const struct stat *st)
{
	return snap != NULL && snap->dev == st->st_dev && snap->ino == st->st_ino &&
	       snap->size == st->st_size && snap->mtime.tv_sec == st->st_mtim.tv_sec &&
	       snap->mtime.tv_nsec == st->st_mtim.tv_nsec && strcmp(snap->path, path) == 0;
}

static const struct snapshot *snapshot_of(const char *path)
{
	struct snapshot *snap = atomic_load_explicit(&last, memory_order_acquire);
	struct stat st;
	size_t len;
	char *text;

	if (real_stat(path, &st) < 0 || strlen(path) >= PATH_MAX)
		return NULL;
	if (same_file(snap, path, &st))
		return snap;
	text = file_read_all(path, HOSTS_MAX, &len);
	if (text == NULL)
		return NULL;
	snap = malloc(sizeof(*snap) + len + 1);
	if (snap != NULL) {
		memcpy(snap->path, path, strlen(path) + 1);
		snap->dev = st.st_dev;
		snap->ino = st.st_ino;
		snap->size = st.st_size;
		snap->mtime = st.st_mtim;
		snap->len = len;
		memcpy(snap->text, text, len + 1);
		atomic_store_explicit(&last, snap, memory_order_release);
	}
	free(text);
	return snap;
}

/* Calls fn for each line with an address and a name, until it says stop. */
static bool scan(const char *path, line_fn fn, void *ctx)
{
	const struct snapshot *snap = snapshot_of(path);
	char *text = snap != NULL ? malloc(snap->len + 1) : NULL;
	bool found = false;

	if (text == NULL)
		return false;
	memcpy(text, snap->text, snap->len + 1);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		struct line line;
		split(l, &line);
		if (line.n >= 2)
			found = fn(&line, ctx);
	}
	free(text);
	return found;
}

static bool line_has_name(const struct line *line, void *ctx)
{
	for (int i = 1; i < line->n; i++)
		if (strcasecmp(line->field[i], ctx) == 0)
			return true;
	return false;
}

bool hosts_has_name(const char *path, const char *name)
{
	return scan(path, line_has_name, (void *)name);
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
