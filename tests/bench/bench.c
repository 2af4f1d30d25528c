/*
 * The client side of `make bench` (tests/bench/run.sh drives it): one
 * measurement per run, for whichever contender runs it -- plain, preloaded
 * (socksify, proxychains4, Dante), or, with --native, speaking SOCKS5
 * itself through the same proxy (the protocol floor).
 *
 *   bench MODE [options]
 *
 * Network modes (a connection: [getaddrinfo] + socket + connect [+ SOCKS5
 * handshake when --native] + 1-byte echo + close):
 *   conn        connections; prints rate and per-connection latency
 *   bulk-up     one connection, --bytes to the server (sink)
 *   bulk-down   one connection, --bytes from the server (source)
 *   udp         64-byte datagram round trips
 *   who         one connection to the "who" port: prints the address the
 *               server saw (the proxy's external address if proxied)
 *   udpwho      the same for UDP
 * Calls that are not the proxy's (ns per call):
 *   write getpid unix-connect unix-sendrecv socket-close tcp-loop tcp-connect
 *   (tcp-connect: socket + connect + close with SO_LINGER 0, see abortive_close)
 * Others:
 *   fakedns     getaddrinfo of --names distinct names (AF_INET6), then again
 *   rss         prints this idle process's resident set
 *   spawn       posix_spawn --count times the command after "--"
 *
 * Options: --target HOST:PORT, --native PROXYIP:PORT, --user U, --pass P,
 *   --threads N, --seconds S, --count N (instead of --seconds), --bytes N,
 *   --names N, --env K=V (spawn: added to the child's environment).
 * Output: one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

extern char **environ;

struct opts {
	const char *mode;
	char host[256];
	char port[16];
	bool have_target;
	bool native;
	struct sockaddr_in proxy;
	const char *user, *pass;
	int threads;
	double seconds;
	long count;
	uint64_t bytes;
	long names;
	char **env_extra;
	int n_env;
	char **cmd;
};

static struct opts o = { .threads = 1, .seconds = 1.0, .bytes = 64u << 20, .names = 1000 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench %s: %s: %s\n", o.mode, what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "bench %s: %s\n", o.mode, what);
	exit(1);
}

/* ------------------------------------------------------------ SOCKS5 */

/*
 * The minimal client: method selection, RFC 1929 if a user is given, the
 * request, and the reply read exactly (4 bytes, then what ATYP implies).
 * cmd 1 CONNECT, 3 UDP ASSOCIATE. name != NULL: ATYP 3, else ATYP 1 addr.
 * The bound address of the reply goes to *bound if non-NULL (IPv4 only).
 */
static int socks5(int fd, int cmd, const char *name, const struct in_addr *addr, uint16_t port,
		  struct sockaddr_in *bound)
{
	unsigned char b[600];
	size_t n = 0;
	int method = o.user ? 2 : 0;

	b[0] = 5, b[1] = 1, b[2] = (unsigned char)method;
	if (write_full(fd, b, 3) != 0 || read_full(fd, b, 2) != 0 || b[0] != 5 || b[1] != method)
		return -1;
	if (o.user) {
		size_t ul = strlen(o.user), pl = strlen(o.pass);
		b[n++] = 1;
		b[n++] = (unsigned char)ul;
		memcpy(b + n, o.user, ul), n += ul;
		b[n++] = (unsigned char)pl;
		memcpy(b + n, o.pass, pl), n += pl;
		if (write_full(fd, b, n) != 0 || read_full(fd, b, 2) != 0 || b[1] != 0)
			return -1;
	}
	n = 0;
	b[n++] = 5, b[n++] = (unsigned char)cmd, b[n++] = 0;
	if (name) {
		size_t l = strlen(name);
		b[n++] = 3, b[n++] = (unsigned char)l;
		memcpy(b + n, name, l), n += l;
	} else {
		b[n++] = 1;
		memcpy(b + n, addr, 4), n += 4;
	}
	b[n++] = (unsigned char)(port >> 8), b[n++] = (unsigned char)port;
	if (write_full(fd, b, n) != 0 || read_full(fd, b, 4) != 0 || b[0] != 5 || b[1] != 0)
		return -1;
	if (b[3] == 1)
		n = 4 + 2;
	else if (b[3] == 4)
		n = 16 + 2;
	else if (b[3] == 3 && read_full(fd, b + 4, 1) == 0)
		n = (size_t)b[4] + 2;
	else
		return -1;
	if (read_full(fd, b + 5, n) != 0)
		return -1;
	if (bound && b[3] == 1) {
		memset(bound, 0, sizeof(*bound));
		bound->sin_family = AF_INET;
		memcpy(&bound->sin_addr, b + 5, 4);
		memcpy(&bound->sin_port, b + 9, 2);
	}
	return 0;
}

/* ------------------------------------------------------- connections */

static bool host_is_ip(void)
{
	struct in_addr a;

	return inet_pton(AF_INET, o.host, &a) == 1;
}

/*
 * A connected TCP socket to o.host:port (port overrides o.port if given).
 * Plain: getaddrinfo + socket + connect. Native: getaddrinfo of an IP
 * literal (as the plain path does), then socket + connect to the proxy +
 * handshake with ATYP 1, or ATYP 3 with the name (socks5h: no lookup).
 */
static int open_conn(const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int fd, rc;

	if (o.native) {
		struct in_addr ip = { 0 };
		bool by_ip = host_is_ip();
		if (by_ip) {
			hints.ai_flags = AI_NUMERICHOST;
			hints.ai_family = AF_INET;
			if ((rc = getaddrinfo(o.host, port, &hints, &ai)) != 0)
				fail(gai_strerror(rc));
			ip = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
			freeaddrinfo(ai);
		}
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&o.proxy, sizeof(o.proxy)) != 0)
			die("connect to proxy");
		if (socks5(fd, 1, by_ip ? NULL : o.host, &ip, (uint16_t)atoi(port), NULL) != 0)
			fail("SOCKS5 handshake failed");
		return fd;
	}
	if ((rc = getaddrinfo(o.host, port, &hints, &ai)) != 0)
		fail(gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		die("connect");
	freeaddrinfo(ai);
	return fd;
}

/*
 * Closed with a reset (SO_LINGER 0), and the echo server answers the
 * proxy's FIN with one too: no connection is left in TIME_WAIT. On
 * loopback both ends' TIME_WAIT states share one port space, and where
 * tcp_tw_reuse does not apply (this benchmark's sandbox), a few seconds of
 * connections would exhaust the ephemeral ports. The same for every
 * contender: one setsockopt more per connection.
 */
static void abortive_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

struct worker {
	pthread_t tid;
	long ops;
	uint32_t *lat_ns; /* one per connection */
	size_t nlat, cap;
};

static atomic_bool stop;
static long per_thread_count;

static void *conn_worker(void *arg)
{
	struct worker *w = arg;
	double end = now() + o.seconds;

	for (;;) {
		if (o.count ? w->ops >= per_thread_count : (atomic_load(&stop) || (w->ops % 16 == 0 && now() >= end)))
			break;
		double t0 = now();
		int fd = open_conn(o.port);
		char c = 'x';
		if (write_full(fd, &c, 1) != 0 || read_full(fd, &c, 1) != 0)
			fail("echo failed");
		abortive_close(fd);
		double t1 = now();
		if (w->nlat == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 4096;
			w->lat_ns = realloc(w->lat_ns, w->cap * sizeof(*w->lat_ns));
			if (!w->lat_ns)
				fail("out of memory");
		}
		w->lat_ns[w->nlat++] = (uint32_t)((t1 - t0) * 1e9 > 4e9 ? 4e9 : (t1 - t0) * 1e9);
		w->ops++;
	}
	atomic_store(&stop, true);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void mode_conn(void)
{
	struct worker *w = calloc((size_t)o.threads, sizeof(*w));
	long ops = 0;
	size_t nlat = 0, k = 0;
	uint32_t *all;
	double t0, t1;

	per_thread_count = o.count ? (o.count + o.threads - 1) / o.threads : 0;
	t0 = now();
	for (int i = 0; i < o.threads; i++)
		if (pthread_create(&w[i].tid, NULL, conn_worker, &w[i]) != 0)
			die("pthread_create");
	for (int i = 0; i < o.threads; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
		nlat += w[i].nlat;
	}
	t1 = now();
	all = malloc((nlat ? nlat : 1) * sizeof(*all));
	for (int i = 0; i < o.threads; i++) {
		memcpy(all + k, w[i].lat_ns, w[i].nlat * sizeof(*all));
		k += w[i].nlat;
	}
	qsort(all, nlat, sizeof(*all), cmp_u32);
	printf("ops=%ld seconds=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f\n", ops, t1 - t0,
	       (double)ops / (t1 - t0), nlat ? all[nlat / 2] / 1e3 : 0.0,
	       nlat ? all[nlat * 99 / 100] / 1e3 : 0.0);
}

static void mode_bulk(bool up)
{
	static char buf[1 << 16];
	unsigned char hdr[9];
	uint64_t done = 0, ack = 0;
	double t0, t1;
	int fd;

	t0 = now();
	fd = open_conn(o.port);
	hdr[0] = up ? 'U' : 'D';
	memcpy(hdr + 1, &o.bytes, 8);
	if (write_full(fd, hdr, 9) != 0)
		fail("bulk request");
	if (up) {
		while (done < o.bytes) {
			size_t n = o.bytes - done < sizeof(buf) ? (size_t)(o.bytes - done) : sizeof(buf);
			if (write_full(fd, buf, n) != 0)
				die("bulk write");
			done += n;
		}
		if (read_full(fd, &ack, 8) != 0 || ack != o.bytes)
			fail("bulk: the sink did not get every byte");
	} else {
		while (done < o.bytes) {
			ssize_t r = read(fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				fail("bulk: short download");
			done += (uint64_t)r;
		}
	}
	t1 = now();
	close(fd);
	printf("bytes=%llu seconds=%.3f rate=%.1f mib_s=%.1f\n", (unsigned long long)done, t1 - t0,
	       (double)done / (t1 - t0), (double)done / (t1 - t0) / 1048576.0);
}

static void mode_who(void)
{
	char line[128] = { 0 };
	int fd = open_conn(o.port);
	ssize_t n = read(fd, line, sizeof(line) - 1);

	close(fd);
	if (n <= 0)
		fail("no answer from the who port");
	line[strcspn(line, "\r\n")] = '\0';
	printf("peer=%s\n", line);
}

/* --------------------------------------------------------------- UDP */

struct udp_path {
	int fd, ctl;
	struct sockaddr_in dst; /* where datagrams go: the target, or the relay */
	struct sockaddr_in target;
};

static void udp_open(struct udp_path *p)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST },
			*ai;
	struct timeval tv = { .tv_sec = 1 };

	if (getaddrinfo(o.host, o.port, &hints, &ai) != 0)
		fail("udp needs an IPv4 literal target");
	memcpy(&p->target, ai->ai_addr, sizeof(p->target));
	freeaddrinfo(ai);
	p->dst = p->target;
	p->ctl = -1;
	p->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (p->fd < 0)
		die("socket");
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (o.native) {
		struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(me);
		struct in_addr any = { 0 };
		if (bind(p->fd, (struct sockaddr *)&me, sizeof(me)) != 0 ||
		    getsockname(p->fd, (struct sockaddr *)&me, &len) != 0)
			die("bind");
		p->ctl = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(p->ctl, (struct sockaddr *)&o.proxy, sizeof(o.proxy)) != 0)
			die("connect to proxy");
		(void)any;
		if (socks5(p->ctl, 3, NULL, &me.sin_addr, ntohs(me.sin_port), &p->dst) != 0)
			fail("UDP ASSOCIATE failed");
		if (p->dst.sin_addr.s_addr == 0)
			p->dst.sin_addr = o.proxy.sin_addr;
	}
}

/* One datagram out and its answer back; returns the payload length or -1. */
static ssize_t udp_rt(struct udp_path *p, const void *msg, size_t len, char *out, size_t cap)
{
	unsigned char b[2048];
	ssize_t n;

	if (!o.native) {
		if (sendto(p->fd, msg, len, 0, (struct sockaddr *)&p->dst, sizeof(p->dst)) < 0)
			die("sendto");
		return recvfrom(p->fd, out, cap, 0, NULL, NULL);
	}
	b[0] = 0, b[1] = 0, b[2] = 0, b[3] = 1;
	memcpy(b + 4, &p->target.sin_addr, 4);
	memcpy(b + 8, &p->target.sin_port, 2);
	memcpy(b + 10, msg, len);
	if (sendto(p->fd, b, len + 10, 0, (struct sockaddr *)&p->dst, sizeof(p->dst)) < 0)
		die("sendto relay");
	n = recvfrom(p->fd, b, sizeof(b), 0, NULL, NULL);
	if (n < 10 || b[3] != 1)
		return -1;
	n -= 10;
	memcpy(out, b + 10, (size_t)n < cap ? (size_t)n : cap);
	return n;
}

static void mode_udp(bool who)
{
	struct udp_path p;
	char msg[64], out[2048];
	long ops = 0, lost = 0;
	double t0, t1, end;

	udp_open(&p);
	if (who) {
		ssize_t n = udp_rt(&p, "WHO?", 4, out, sizeof(out) - 1);
		if (n <= 0)
			fail("no answer from the UDP echo server");
		out[n] = '\0';
		printf("peer=%s\n", out);
		return;
	}
	memset(msg, 'u', sizeof(msg));
	t0 = now();
	end = t0 + o.seconds;
	while (o.count ? ops < o.count : (ops % 16 != 0 || now() < end)) {
		if (udp_rt(&p, msg, sizeof(msg), out, sizeof(out)) != (ssize_t)sizeof(msg))
			lost++;
		ops++;
		if (lost > 100)
			fail("too many datagrams lost");
	}
	t1 = now();
	printf("ops=%ld seconds=%.3f rate=%.1f lost=%ld\n", ops, t1 - t0, (double)ops / (t1 - t0), lost);
}

/* ------------------------------------------------- calls not ours */

static void *acceptor(void *arg)
{
	int lfd = *(int *)arg;

	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
	return NULL;
}

static int loopback_listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)sin, sizeof(*sin)) != 0 || listen(lfd, 4096) != 0 ||
	    getsockname(lfd, (struct sockaddr *)sin, &len) != 0)
		die("loopback listener");
	return lfd;
}

static void mode_calls(const char *m)
{
	long n = o.count ? o.count : 100000;
	double t0 = 0, t1 = 0;
	char c = 'x';

	if (strcmp(m, "write") == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd < 0)
			die("/dev/null");
		t0 = now();
		for (long i = 0; i < n; i++)
			if (write(fd, &c, 1) != 1)
				die("write");
		t1 = now();
	} else if (strcmp(m, "getpid") == 0) {
		volatile pid_t sink;
		t0 = now();
		for (long i = 0; i < n; i++)
			sink = getpid();
		t1 = now();
		(void)sink;
	} else if (strcmp(m, "unix-connect") == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		socklen_t len;
		int s = socket(AF_UNIX, SOCK_DGRAM, 0), fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		/* abstract address: nothing left behind */
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				  (size_t)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "sxbench-%d", (int)getpid()));
		if (s < 0 || fd < 0 || bind(s, (struct sockaddr *)&sun, len) != 0)
			die("unix socket");
		t0 = now();
		for (long i = 0; i < n; i++)
			if (connect(fd, (struct sockaddr *)&sun, len) != 0)
				die("connect");
		t1 = now();
	} else if (strcmp(m, "unix-sendrecv") == 0) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
			die("socketpair");
		t0 = now();
		for (long i = 0; i < n; i++)
			if (send(sv[0], &c, 1, 0) != 1 || recv(sv[1], &c, 1, 0) != 1)
				die("send/recv");
		t1 = now();
	} else if (strcmp(m, "socket-close") == 0) {
		t0 = now();
		for (long i = 0; i < n; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd < 0)
				die("socket");
			close(fd);
		}
		t1 = now();
	} else if (strcmp(m, "tcp-loop") == 0) {
		struct sockaddr_in sin;
		int lfd = loopback_listener(&sin), a = socket(AF_INET, SOCK_STREAM, 0), b;
		if (connect(a, (struct sockaddr *)&sin, sizeof(sin)) != 0 || (b = accept(lfd, NULL, NULL)) < 0)
			die("loopback connect");
		t0 = now();
		for (long i = 0; i < n; i++)
			if (send(a, &c, 1, 0) != 1 || recv(b, &c, 1, 0) != 1)
				die("send/recv");
		t1 = now();
	} else if (strcmp(m, "tcp-connect") == 0) {
		struct sockaddr_in sin;
		int lfd = loopback_listener(&sin);
		pthread_t t;
		pthread_create(&t, NULL, acceptor, &lfd);
		t0 = now();
		for (long i = 0; i < n; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
				die("loopback connect");
			abortive_close(fd);
		}
		t1 = now();
	} else {
		fail("unknown mode");
	}
	printf("ops=%ld seconds=%.4f ns_per_op=%.1f\n", n, t1 - t0, (t1 - t0) * 1e9 / (double)n);
}

/* ---------------------------------------------------------- fake DNS */

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static atomic_long dns_fail;

struct dns_job {
	pthread_t tid;
	int idx;
	double t;
};

static void *dns_worker(void *arg)
{
	struct dns_job *j = arg;
	struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM }, *ai;
	char name[64];

	for (long i = j->idx; i < o.names; i += o.threads) {
		snprintf(name, sizeof(name), "h%07ld.bench.test", i);
		if (getaddrinfo(name, NULL, &hints, &ai) != 0) {
			atomic_fetch_add(&dns_fail, 1);
			continue;
		}
		freeaddrinfo(ai);
	}
	return NULL;
}

static double dns_pass(void)
{
	struct dns_job *j = calloc((size_t)o.threads, sizeof(*j));
	double t0 = now();

	for (int i = 0; i < o.threads; i++) {
		j[i].idx = i;
		pthread_create(&j[i].tid, NULL, dns_worker, &j[i]);
	}
	for (int i = 0; i < o.threads; i++)
		pthread_join(j[i].tid, NULL);
	free(j);
	return now() - t0;
}

static void mode_fakedns(void)
{
	struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM }, *ai;
	long rss0, rss1;
	double tnew, thit;

	/* the first call sets everything up (configuration, table): not timed */
	if (getaddrinfo("warmup.bench.test", NULL, &hints, &ai) == 0)
		freeaddrinfo(ai);
	rss0 = rss_kib();
	tnew = dns_pass();
	rss1 = rss_kib();
	thit = o.count ? 0 : dns_pass();
	printf("names=%ld threads=%d new_rate=%.1f hit_rate=%.1f failed=%ld rss_added_kib=%ld bytes_per_name=%.1f\n",
	       o.names, o.threads, (double)o.names / tnew, thit > 0 ? (double)o.names / thit : 0.0,
	       atomic_load(&dns_fail), rss1 - rss0, (double)(rss1 - rss0) * 1024.0 / (double)o.names);
}

/* ------------------------------------------------------------ spawn */

static void mode_spawn(void)
{
	long n = o.count ? o.count : 200;
	size_t ne = 0;
	char **env;
	double t0, t1;

	if (!o.cmd || !o.cmd[0])
		fail("spawn needs -- COMMAND");
	while (environ[ne])
		ne++;
	env = calloc(ne + (size_t)o.n_env + 1, sizeof(*env));
	memcpy(env, o.env_extra, (size_t)o.n_env * sizeof(*env));
	memcpy(env + o.n_env, environ, ne * sizeof(*env));
	t0 = now();
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;
		if (posix_spawn(&pid, o.cmd[0], NULL, NULL, o.cmd, env) != 0)
			die("posix_spawn");
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail("the spawned command failed");
	}
	t1 = now();
	printf("ops=%ld seconds=%.3f us_per_op=%.1f\n", n, t1 - t0, (t1 - t0) * 1e6 / (double)n);
}

/* ------------------------------------------------------------- main */

static void parse_hostport(const char *s, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= hn)
		fail("HOST:PORT expected");
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	snprintf(port, pn, "%s", colon + 1);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: bench MODE [options]  (see tests/bench/bench.c)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	o.mode = argv[1];
	o.env_extra = calloc((size_t)argc, sizeof(char *));
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--") == 0) {
			o.cmd = argv + i + 1;
			break;
		}
		if (!v)
			fail("option without a value");
		i++;
		if (strcmp(a, "--target") == 0) {
			parse_hostport(v, o.host, sizeof(o.host), o.port, sizeof(o.port));
			o.have_target = true;
		} else if (strcmp(a, "--native") == 0) {
			char h[64], p[16];
			parse_hostport(v, h, sizeof(h), p, sizeof(p));
			o.proxy.sin_family = AF_INET;
			o.proxy.sin_port = htons((uint16_t)atoi(p));
			if (inet_pton(AF_INET, h, &o.proxy.sin_addr) != 1)
				fail("--native takes IPV4:PORT");
			o.native = true;
		} else if (strcmp(a, "--user") == 0) {
			o.user = v;
		} else if (strcmp(a, "--pass") == 0) {
			o.pass = v;
		} else if (strcmp(a, "--threads") == 0) {
			o.threads = atoi(v) > 0 ? atoi(v) : 1;
		} else if (strcmp(a, "--seconds") == 0) {
			o.seconds = atof(v);
		} else if (strcmp(a, "--count") == 0) {
			o.count = atol(v);
		} else if (strcmp(a, "--bytes") == 0) {
			o.bytes = strtoull(v, NULL, 0);
		} else if (strcmp(a, "--names") == 0) {
			o.names = atol(v);
		} else if (strcmp(a, "--env") == 0) {
			o.env_extra[o.n_env++] = (char *)v;
		} else {
			fail("unknown option");
		}
	}
	if (o.user && !o.pass)
		o.pass = "";

	const char *m = o.mode;
	bool net = !strcmp(m, "conn") || !strcmp(m, "bulk-up") || !strcmp(m, "bulk-down") || !strcmp(m, "udp") ||
		   !strcmp(m, "who") || !strcmp(m, "udpwho");
	if (net && !o.have_target)
		fail("--target HOST:PORT is required");
	if (!strcmp(m, "conn"))
		mode_conn();
	else if (!strcmp(m, "bulk-up"))
		mode_bulk(true);
	else if (!strcmp(m, "bulk-down"))
		mode_bulk(false);
	else if (!strcmp(m, "udp"))
		mode_udp(false);
	else if (!strcmp(m, "udpwho"))
		mode_udp(true);
	else if (!strcmp(m, "who"))
		mode_who();
	else if (!strcmp(m, "fakedns"))
		mode_fakedns();
	else if (!strcmp(m, "rss"))
		printf("rss_kib=%ld\n", rss_kib());
	else if (!strcmp(m, "spawn"))
		mode_spawn();
	else
		mode_calls(m);
	fflush(stdout);
	_exit(0);
}
