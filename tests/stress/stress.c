/*
 * stress: many threads using the network at once, for running under
 * socksify (tests/stress/rules.mk: `make stress`; tests/bats/stress.bats).
 *
 *   stress [-t N] [-c M] [-r R] [-u U] [-k KINDS] [-s] [-n NAME] [-a ADDR]
 *          [-p PORT] [-w SECONDS]
 *
 * All at once, started together behind a barrier (so the library's first
 * calls race too):
 *   tcp  N threads x M connections each to the TCP echo server, alternately
 *        by hostname (getaddrinfo of NAME: a placeholder) and by IP literal
 *        (ADDR): getaddrinfo + socket + connect + getpeername (the original
 *        destination) + write a line + read its echo + shutdown(SHUT_WR) +
 *        read EOF + close; every 8th also getnameinfo of the peer (the name
 *        back for a placeholder, the number for the literal).
 *   dns  R threads (default N/4, at least 1) x M lookups of distinct names
 *        (getaddrinfo AF_INET and, every other one, AF_INET6: placeholders
 *        in the default ranges; getnameinfo(placeholder, NI_NAMEREQD) gives
 *        the name back, every other time also without a service buffer;
 *        an earlier name keeps its address; names shared by all the dns
 *        threads get one address whoever asks first).
 *   udp  U threads (default N/4, at least 1) x M datagrams to the UDP echo
 *        server with sendto/recvfrom, a fresh socket (and association)
 *        every 10 datagrams, alternately by name and by IP literal; every
 *        echo is checked for its content and its reported source (the
 *        placeholder, or ADDR). A lost datagram is sent again (up to 3
 *        times, counted as resent); a late echo of an earlier one is
 *        skipped (counted as late).
 *
 * -s: SIGALRM every millisecond (setitimer ITIMER_REAL, handler without
 * SA_RESTART) at the worker threads for the whole run. The library must
 * complete connect, getaddrinfo and sendto anyway (EINTR is its business,
 * under one deadline): an EINTR from them is a failure. The program
 * itself retries read/recv (and write) on EINTR, as any program does.
 *
 * Prints one summary line on stdout,
 *   stress: threads=NxM tcp=OK/TRIED dns=OK/TRIED udp=OK/TRIED failures=F ...
 * the first failures on stderr (kind, thread, iteration, step, error), and
 * exits 0 when every operation succeeded, 1 on any failure, 2 on a usage
 * error, 3 when the watchdog (-w, default 600 s) fires (it lists what each
 * unfinished thread was doing).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The library's default placeholder ranges (DESIGN.md, Fake DNS). */
#define FAKE4_NET 0xc6120000u /* 198.18.0.0/15 */
#define FAKE4_MASK 0xfffe0000u
static const uint8_t fake6_prefix[8] = { 0xfd, 0x53, 0x6b, 0x73, 0x66, 0x79, 0, 0 };

#define IO_TIMEOUT_MS 10000  /* one TCP echo, read side */
#define UDP_WAIT_MS 1500     /* one datagram's echo before sending it again */
#define UDP_SENDS 4          /* a datagram is sent at most this often */
#define UDP_PER_SOCKET 10    /* datagrams per socket (per association) */
#define SHARED_NAMES 16      /* names every dns thread looks up */
#define MAX_REPORTS 30       /* failures described on stderr */

enum kind { K_TCP, K_DNS, K_UDP, NKINDS };
static const char *const kind_name[NKINDS] = { "tcp", "dns", "udp" };

static struct {
	int tcp_threads, conns, dns_threads, udp_threads, watchdog_s;
	bool signals;
	unsigned kinds; /* bit per enum kind */
	const char *name, *addr, *port;
	struct in_addr addr4;
} o = {
	.tcp_threads = 8, .conns = 50, .dns_threads = -1, .udp_threads = -1, .watchdog_s = 600,
	.kinds = (1u << NKINDS) - 1, .name = "echo.example.test", .addr = "203.0.113.10",
	.port = "7",
};

static atomic_long ok_count[NKINDS], fail_count[NKINDS], tried[NKINDS];
static atomic_long tcp_by_name, tcp_by_ip, udp_resent, udp_late, eintr_seen, max_connect_ms;
static atomic_long signals_caught;
static atomic_int reports;
static atomic_uint shared_addr4[SHARED_NAMES];

/* What each worker is doing, for the watchdog. */
struct worker {
	pthread_t tid;
	enum kind kind;
	int index;
	atomic_int iter;
	_Atomic(const char *) step;
	atomic_bool done;
};

static struct worker *workers;
static int nworkers;
static pthread_barrier_t start_line;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void step(struct worker *w, const char *what)
{
	atomic_store_explicit(&w->step, what, memory_order_relaxed);
}

static void fail(struct worker *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	atomic_fetch_add(&fail_count[w->kind], 1);
	if (atomic_fetch_add(&reports, 1) >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stress: FAIL %s thread %d #%d at %s: %s\n", kind_name[w->kind], w->index,
		atomic_load(&w->iter), atomic_load(&w->step), msg);
}

static void succeed(struct worker *w)
{
	atomic_fetch_add(&ok_count[w->kind], 1);
}

static const char *gai_text(int rc)
{
	return rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
}

static void fmt_sa(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, len, "%s port %u (family %d)", host, port, sa->sa_family);
}

static bool same_sa(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

static bool is_fake4(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET &&
	       (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) & FAKE4_MASK) == FAKE4_NET;
}

static bool is_fake6(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 &&
	       memcmp(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, fake6_prefix, 8) == 0;
}

static void note_max(atomic_long *max, long v)
{
	long cur = atomic_load(max);

	while (v > cur && !atomic_compare_exchange_weak(max, &cur, v))
		;
}

/* Reads exactly len bytes (len 0: expects EOF), retrying EINTR, by a deadline. */
static bool read_exact(struct worker *w, int fd, char *buf, size_t len, int64_t deadline)
{
	size_t got = 0;
	char extra;

	for (;;) {
		ssize_t n = len ? read(fd, buf + got, len - got) : read(fd, &extra, 1);
		if (n < 0 && errno == EINTR && now_ms() < deadline) {
			atomic_fetch_add(&eintr_seen, 1);
			continue;
		}
		if (n < 0) {
			fail(w, "read: %s", strerror(errno));
			return false;
		}
		if (len == 0) {
			if (n == 0)
				return true;
			fail(w, "bytes after the echo where EOF was expected");
			return false;
		}
		if (n == 0) {
			fail(w, "EOF after %zu of %zu bytes", got, len);
			return false;
		}
		got += (size_t)n;
		if (got == len)
			return true;
	}
}

static bool write_all(struct worker *w, int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR) {
			atomic_fetch_add(&eintr_seen, 1);
			continue;
		}
		if (n <= 0) {
			fail(w, "write: %s", n < 0 ? strerror(errno) : "wrote nothing");
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void set_rcvtimeo(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* getaddrinfo(host, port) for one kind of socket: exactly what we expect or NULL. */
static struct addrinfo *lookup(struct worker *w, const char *host, bool by_name, int family,
			       int socktype, int flags)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = socktype, .ai_flags = flags };
	struct addrinfo *res = NULL;
	char text[128];
	int rc;

	step(w, "getaddrinfo");
	rc = getaddrinfo(host, o.port, &hints, &res);
	if (rc != 0) {
		fail(w, "getaddrinfo(%s): %s", host, gai_text(rc));
		return NULL;
	}
	fmt_sa(res->ai_addr, text, sizeof(text));
	if (by_name && !is_fake4(res->ai_addr)) {
		fail(w, "getaddrinfo(%s) gave %s, not a placeholder", host, text);
	} else if (!by_name && (res->ai_family != AF_INET ||
				((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr != o.addr4.s_addr)) {
		fail(w, "getaddrinfo(%s) gave %s", host, text);
	} else if ((flags & AI_CANONNAME) &&
		   (res->ai_canonname == NULL || strcmp(res->ai_canonname, host) != 0)) {
		fail(w, "getaddrinfo(%s, AI_CANONNAME) named it %s", host,
		     res->ai_canonname ? res->ai_canonname : "(null)");
	} else {
		return res;
	}
	freeaddrinfo(res);
	return NULL;
}

/* ------------------------------------------------------------------ tcp */

static bool tcp_one(struct worker *w, int i)
{
	bool by_name = ((w->index + i) & 1) == 0;
	const char *host = by_name ? o.name : o.addr;
	struct addrinfo *ai = lookup(w, host, by_name, AF_UNSPEC, SOCK_STREAM, by_name ? AI_CANONNAME : 0);
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char msg[96], buf[96], text[2][128];
	bool ok = false;
	int64_t t0;
	int fd, n;

	if (ai == NULL)
		return false;
	step(w, "socket");
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		fail(w, "socket: %s", strerror(errno));
		goto out;
	}
	set_rcvtimeo(fd, IO_TIMEOUT_MS);
	step(w, "connect");
	t0 = now_ms();
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		fail(w, "connect to %s: %s", host, strerror(errno));
		goto out;
	}
	note_max(&max_connect_ms, (long)(now_ms() - t0));
	step(w, "getpeername");
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0) {
		fail(w, "getpeername: %s", strerror(errno));
		goto out;
	}
	if (!same_sa((struct sockaddr *)&peer, ai->ai_addr)) {
		fmt_sa((struct sockaddr *)&peer, text[0], sizeof(text[0]));
		fmt_sa(ai->ai_addr, text[1], sizeof(text[1]));
		fail(w, "getpeername gave %s, connected to %s", text[0], text[1]);
		goto out;
	}
	if (i % 8 == 0) {
		char h[NI_MAXHOST], s[NI_MAXSERV];
		step(w, "getnameinfo");
		int rc = getnameinfo((struct sockaddr *)&peer, plen, h, sizeof(h), s, sizeof(s),
				     NI_NUMERICSERV | (by_name ? NI_NAMEREQD : 0));
		if (rc != 0 || strcmp(h, host) != 0) {
			fail(w, "getnameinfo of the peer: %s", rc ? gai_text(rc) : h);
			goto out;
		}
	}
	n = snprintf(msg, sizeof(msg), "stress tcp %d %d %s %08lx\n", w->index, i, host,
		     (unsigned long)random());
	step(w, "write");
	if (!write_all(w, fd, msg, (size_t)n))
		goto out;
	step(w, "read echo");
	int64_t deadline = now_ms() + IO_TIMEOUT_MS;
	if (!read_exact(w, fd, buf, (size_t)n, deadline))
		goto out;
	if (memcmp(buf, msg, (size_t)n) != 0) {
		fail(w, "echo differs: sent %.*s, got %.*s", n - 1, msg, n - 1, buf);
		goto out;
	}
	step(w, "shutdown");
	if (shutdown(fd, SHUT_WR) != 0) {
		fail(w, "shutdown: %s", strerror(errno));
		goto out;
	}
	step(w, "read EOF");
	if (!read_exact(w, fd, buf, 0, deadline))
		goto out;
	ok = true;
out:
	step(w, "close");
	if (fd >= 0 && close(fd) != 0 && ok) {
		fail(w, "close: %s", strerror(errno));
		ok = false;
	}
	freeaddrinfo(ai);
	if (ok)
		atomic_fetch_add(by_name ? &tcp_by_name : &tcp_by_ip, 1);
	return ok;
}

/* ------------------------------------------------------------------ dns */

/* The name of lookup i of a dns thread: shared by all threads every 4th. */
static void dns_name(int thread, int i, char *out, size_t len, bool *shared)
{
	*shared = i % 4 == 3;
	if (*shared)
		snprintf(out, len, "shared%d.stress.test", (i / 4) % SHARED_NAMES);
	else
		snprintf(out, len, "r%d-%d.stress.test", thread, i);
}

static bool dns_resolve(struct worker *w, const char *name, int family, bool hostonly,
			struct sockaddr_storage *out)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char host[NI_MAXHOST], serv[NI_MAXSERV], text[128];
	int rc;

	step(w, family == AF_INET ? "getaddrinfo AF_INET" : "getaddrinfo AF_INET6");
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0) {
		fail(w, "getaddrinfo(%s, %s): %s", name, family == AF_INET ? "AF_INET" : "AF_INET6",
		     gai_text(rc));
		return false;
	}
	bool ok = res->ai_next == NULL &&
		  (family == AF_INET ? is_fake4(res->ai_addr) : is_fake6(res->ai_addr));
	fmt_sa(res->ai_addr, text, sizeof(text));
	if (!ok) {
		fail(w, "getaddrinfo(%s) gave %s%s, not one placeholder", name, text,
		     res->ai_next ? " and more" : "");
	} else {
		memcpy(out, res->ai_addr, res->ai_addrlen);
		step(w, "getnameinfo");
		rc = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), serv, sizeof(serv),
				 NI_NAMEREQD | NI_NUMERICSERV);
		if (rc != 0 || strcmp(host, name) != 0) {
			fail(w, "getnameinfo(%s) of %s: %s", text, name, rc ? gai_text(rc) : host);
			ok = false;
		}
	}
	if (ok && hostonly) {
		/* the host only, as reverse lookups are often written */
		step(w, "getnameinfo, no service buffer");
		rc = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), NULL, 0, NI_NAMEREQD);
		if (rc != 0 || strcmp(host, name) != 0) {
			fail(w, "getnameinfo(%s, serv NULL, NI_NAMEREQD) of %s: %s", text, name,
			     rc ? gai_text(rc) : host);
			ok = false;
		}
	}
	freeaddrinfo(res);
	return ok;
}

static bool dns_one(struct worker *w, int i, struct sockaddr_storage *seen)
{
	struct sockaddr_storage ss, again;
	char name[128], text[2][128];
	bool shared;

	dns_name(w->index, i, name, sizeof(name), &shared);
	memset(&ss, 0, sizeof(ss));
	bool ok = dns_resolve(w, name, AF_INET, i % 2 == 1, &ss);
	seen[i] = ss; /* even if only getnameinfo failed */
	if (!ok)
		return false;
	if (shared) {
		unsigned want = 0, got = ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
		atomic_uint *slot = &shared_addr4[(i / 4) % SHARED_NAMES];
		if (!atomic_compare_exchange_strong(slot, &want, got) && want != got) {
			struct in_addr a = { want }, b = { got };
			inet_ntop(AF_INET, &a, text[0], sizeof(text[0]));
			inet_ntop(AF_INET, &b, text[1], sizeof(text[1]));
			fail(w, "%s is %s for another thread, %s here", name, text[0], text[1]);
			return false;
		}
	}
	if (i % 2 == 0 && !dns_resolve(w, name, AF_INET6, false, &again))
		return false;
	if (i >= 5 && seen[i - 5].ss_family != 0) { /* an earlier name keeps its address */
		int j = i - 5;
		dns_name(w->index, j, name, sizeof(name), &shared);
		if (!dns_resolve(w, name, AF_INET, false, &again))
			return false;
		if (!same_sa((struct sockaddr *)&again, (struct sockaddr *)&seen[j])) {
			fmt_sa((struct sockaddr *)&seen[j], text[0], sizeof(text[0]));
			fmt_sa((struct sockaddr *)&again, text[1], sizeof(text[1]));
			fail(w, "%s was %s, now %s", name, text[0], text[1]);
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------------ udp */

/* A datagram this thread sent before datagram i (a late echo, not an error). */
static bool earlier_datagram(struct worker *w, int i, const char *buf, ssize_t n)
{
	char copy[128];
	int t, j;

	if (n <= 0 || (size_t)n >= sizeof(copy))
		return false;
	memcpy(copy, buf, (size_t)n);
	copy[n] = '\0';
	return sscanf(copy, "stress udp %d %d ", &t, &j) == 2 && t == w->index && j < i;
}

struct udp_sock {
	int fd;
	bool by_name;
	const char *host;
	struct sockaddr_storage dst;
	socklen_t dstlen;
};

static bool udp_open(struct worker *w, struct udp_sock *u, int i)
{
	u->by_name = ((w->index + i / UDP_PER_SOCKET) & 1) == 0;
	u->host = u->by_name ? o.name : o.addr;
	struct addrinfo *ai = lookup(w, u->host, u->by_name, AF_INET, SOCK_DGRAM, 0);
	if (ai == NULL)
		return false;
	memcpy(&u->dst, ai->ai_addr, ai->ai_addrlen);
	u->dstlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	step(w, "udp socket");
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0) {
		fail(w, "socket: %s", strerror(errno));
		return false;
	}
	set_rcvtimeo(u->fd, UDP_WAIT_MS);
	return true;
}

/* Waits for datagram msg's echo; 1 got it, 0 time to send again, -1 failed. */
static int udp_await(struct worker *w, struct udp_sock *u, int i, const char *msg, size_t len)
{
	int64_t deadline = now_ms() + UDP_WAIT_MS;
	char buf[256], text[2][128];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		step(w, "recvfrom");
		ssize_t n = recvfrom(u->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0 && errno == EINTR) {
			atomic_fetch_add(&eintr_seen, 1);
			if (now_ms() < deadline)
				continue;
			return 0;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			fail(w, "recvfrom: %s", strerror(errno));
			return -1;
		}
		if (!same_sa((struct sockaddr *)&from, (struct sockaddr *)&u->dst)) {
			fmt_sa((struct sockaddr *)&from, text[0], sizeof(text[0]));
			fmt_sa((struct sockaddr *)&u->dst, text[1], sizeof(text[1]));
			fail(w, "echo reported from %s, sent to %s (%s)", text[0], text[1], u->host);
			return -1;
		}
		if ((size_t)n == len && memcmp(buf, msg, len) == 0)
			return 1;
		if (earlier_datagram(w, i, buf, n)) {
			atomic_fetch_add(&udp_late, 1);
			continue;
		}
		fail(w, "echo differs: sent %zu bytes \"%.*s\", got %zd \"%.*s\"", len, (int)len, msg, n,
		     (int)(n > 100 ? 100 : n), buf);
		return -1;
	}
}

static bool udp_one(struct worker *w, struct udp_sock *u, int i)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "stress udp %d %d %s %08lx", w->index, i, u->host,
			 (unsigned long)random());

	for (int send = 0; send < UDP_SENDS; send++) {
		if (send > 0)
			atomic_fetch_add(&udp_resent, 1);
		step(w, "sendto");
		ssize_t sent = sendto(u->fd, msg, (size_t)n, 0, (struct sockaddr *)&u->dst, u->dstlen);
		if (sent != n) {
			fail(w, "sendto %s: %s", u->host, sent < 0 ? strerror(errno) : "short send");
			return false;
		}
		int rc = udp_await(w, u, i, msg, (size_t)n);
		if (rc != 0)
			return rc > 0;
	}
	fail(w, "no echo from %s after %d sends", u->host, UDP_SENDS);
	return false;
}

/* -------------------------------------------------------------- threads */

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&signals_caught, 1, memory_order_relaxed);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sockaddr_storage *seen = NULL;
	struct udp_sock u = { .fd = -1 };

	if (o.signals) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGALRM);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	if (w->kind == K_DNS && (seen = calloc((size_t)o.conns, sizeof(*seen))) == NULL) {
		fprintf(stderr, "stress: out of memory\n");
		exit(1);
	}
	step(w, "start line");
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < o.conns; i++) {
		bool ok = false;
		atomic_store(&w->iter, i);
		atomic_fetch_add(&tried[w->kind], 1);
		switch (w->kind) {
		case K_TCP:
			ok = tcp_one(w, i);
			break;
		case K_DNS:
			ok = dns_one(w, i, seen);
			break;
		case K_UDP:
			if (i % UDP_PER_SOCKET == 0 || u.fd < 0) {
				if (u.fd >= 0)
					close(u.fd);
				u.fd = -1;
				if (!udp_open(w, &u, i))
					break;
			}
			ok = udp_one(w, &u, i);
			break;
		default:
			break;
		}
		if (ok)
			succeed(w);
	}
	if (u.fd >= 0)
		close(u.fd);
	free(seen);
	step(w, "done");
	atomic_store(&w->done, true);
	return NULL;
}

static void *watchdog_main(void *arg)
{
	(void)arg;
	for (int s = 0; s < o.watchdog_s; s++)
		sleep(1);
	fprintf(stderr, "stress: watchdog: still running after %d s; unfinished threads:\n", o.watchdog_s);
	for (int i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		if (!atomic_load(&w->done))
			fprintf(stderr, "stress:   %s thread %d at #%d: %s\n", kind_name[w->kind], w->index,
				atomic_load(&w->iter), atomic_load(&w->step));
	}
	fflush(stderr);
	_exit(3);
}

static int count_arg(const char *s, int min, int max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "stress: bad number %s (%d..%d)\n", s, min, max);
		exit(2);
	}
	return (int)v;
}

static unsigned parse_kinds(const char *s)
{
	unsigned kinds = 0;
	char *copy = strdup(s), *save = NULL;

	for (char *k = strtok_r(copy, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
		int i;
		for (i = 0; i < NKINDS && strcmp(k, kind_name[i]) != 0; i++)
			;
		if (i == NKINDS) {
			fprintf(stderr, "stress: unknown kind %s (tcp, dns, udp)\n", k);
			exit(2);
		}
		kinds |= 1u << i;
	}
	free(copy);
	return kinds;
}

static void usage(void)
{
	fprintf(stderr, "usage: stress [-t N] [-c M] [-r R] [-u U] [-k tcp,dns,udp] [-s] [-n NAME] "
			"[-a ADDR] [-p PORT] [-w SECONDS]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "t:c:r:u:k:sn:a:p:w:")) != -1) {
		switch (c) {
		case 't': o.tcp_threads = count_arg(optarg, 1, 4096); break;
		case 'c': o.conns = count_arg(optarg, 1, 1000000); break;
		case 'r': o.dns_threads = count_arg(optarg, 0, 4096); break;
		case 'u': o.udp_threads = count_arg(optarg, 0, 4096); break;
		case 'k': o.kinds = parse_kinds(optarg); break;
		case 's': o.signals = true; break;
		case 'n': o.name = optarg; break;
		case 'a': o.addr = optarg; break;
		case 'p': o.port = optarg; break;
		case 'w': o.watchdog_s = count_arg(optarg, 1, 86400); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (inet_pton(AF_INET, o.addr, &o.addr4) != 1) {
		fprintf(stderr, "stress: -a wants an IPv4 literal\n");
		exit(2);
	}
	int quarter = o.tcp_threads / 4 > 0 ? o.tcp_threads / 4 : 1;
	if (o.dns_threads < 0)
		o.dns_threads = quarter;
	if (o.udp_threads < 0)
		o.udp_threads = quarter;
	if (!(o.kinds & 1u << K_TCP))
		o.tcp_threads = 0;
	if (!(o.kinds & 1u << K_DNS))
		o.dns_threads = 0;
	if (!(o.kinds & 1u << K_UDP))
		o.udp_threads = 0;
}

int main(int argc, char **argv)
{
	pthread_t watchdog;
	sigset_t alrm;
	int64_t t0;

	parse(argc, argv);
	srandom((unsigned)getpid());
	setvbuf(stdout, NULL, _IOLBF, 0);
	nworkers = o.tcp_threads + o.dns_threads + o.udp_threads;
	if (nworkers == 0)
		usage();
	workers = calloc((size_t)nworkers, sizeof(*workers));
	if (workers == NULL || pthread_barrier_init(&start_line, NULL, (unsigned)nworkers + 1) != 0) {
		fprintf(stderr, "stress: cannot set up %d threads\n", nworkers);
		return 1;
	}
	/* Only the workers take SIGALRM; they unblock it themselves. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	if (o.signals) {
		struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
	}
	pthread_create(&watchdog, NULL, watchdog_main, NULL);
	for (int i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		w->kind = i < o.tcp_threads ? K_TCP : i < o.tcp_threads + o.dns_threads ? K_DNS : K_UDP;
		w->index = w->kind == K_TCP ? i : w->kind == K_DNS ? i - o.tcp_threads
								     : i - o.tcp_threads - o.dns_threads;
		w->step = "created";
		int rc = pthread_create(&w->tid, NULL, worker_main, w);
		if (rc != 0) {
			fprintf(stderr, "stress: pthread_create: %s\n", strerror(rc));
			return 1;
		}
	}
	if (o.signals) {
		struct itimerval it = { .it_interval = { 0, 1000 }, .it_value = { 0, 1000 } };
		setitimer(ITIMER_REAL, &it, NULL);
	}
	t0 = now_ms();
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i].tid, NULL);
	double secs = (double)(now_ms() - t0) / 1000.0;
	if (o.signals) {
		struct itimerval off = { 0 };
		setitimer(ITIMER_REAL, &off, NULL);
	}

	long failures = 0, expected[NKINDS] = {
		(long)o.tcp_threads * o.conns, (long)o.dns_threads * o.conns, (long)o.udp_threads * o.conns
	};
	for (int k = 0; k < NKINDS; k++) {
		long okk = atomic_load(&ok_count[k]);
		failures += atomic_load(&fail_count[k]);
		/* an operation that neither succeeded nor reported is a failure too */
		if (okk + atomic_load(&fail_count[k]) < expected[k] || atomic_load(&tried[k]) != expected[k])
			failures += expected[k] - okk - atomic_load(&fail_count[k]);
	}
	printf("stress: threads=%dx%d tcp=%ld/%ld dns=%ld/%ld udp=%ld/%ld failures=%ld "
	       "tcp_by_name=%ld tcp_by_ip=%ld dns_threads=%d udp_threads=%d udp_resent=%ld udp_late=%ld "
	       "signals=%ld eintr=%ld max_connect_ms=%ld seconds=%.1f\n",
	       o.tcp_threads, o.conns, atomic_load(&ok_count[K_TCP]), expected[K_TCP],
	       atomic_load(&ok_count[K_DNS]), expected[K_DNS], atomic_load(&ok_count[K_UDP]),
	       expected[K_UDP], failures, atomic_load(&tcp_by_name), atomic_load(&tcp_by_ip),
	       o.dns_threads, o.udp_threads, atomic_load(&udp_resent), atomic_load(&udp_late),
	       atomic_load(&signals_caught), atomic_load(&eintr_seen), atomic_load(&max_connect_ms), secs);
	return failures == 0 ? 0 : 1;
}
