/*
 * sxtest.h: small shared pieces of the C helpers of processes.bats and
 * limits.bats (fork_echo.c, fork_threads.c, prefork.c, spawn_child.c,
 * closeall.c, suid_client.c, fd_limits.c, conn_loop.c). Header-only: every
 * function is static inline, each helper is one
 * `cc -O2 -Wall -pthread -I tests/helpers` away.
 *
 * Every wait is bounded (poll, never select: fds above 1023 must work) and
 * every failure is reported as an errno name ("EMFILE"), which the suites
 * assert on.
 */
#ifndef SXTEST_H
#define SXTEST_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long one echo may take, connect included (ms). */
#ifndef SX_TIMEOUT_MS
#define SX_TIMEOUT_MS 10000
#endif

/* "EMFILE" for EMFILE; "E0" for 0 (no error). */
/* One line written whole with one write (a parent and its children share the pipe). */
__attribute__((format(printf, 2, 3))) static inline void sx_say(int fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static inline const char *sx_errname(int e)
{
	const char *n = e == 0 ? "E0" : strerrorname_np(e);

	return n != NULL ? n : "E?";
}

static inline long long sx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Reaps pid, killing it at the deadline (sx_now_ms): its exit status,
 * 128 + the signal that ended it, 124 when it hung, 125 when it cannot be
 * waited for.
 */
static inline int sx_wait_until(pid_t pid, long long deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0 && errno != EINTR)
			return 125;
		if (sx_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 124;
		}
		usleep(2000);
	}
}

/* poll for EVENTS on fd until the deadline: 1 ready, 0 timed out (errno ETIMEDOUT), -1 error. */
static inline int sx_wait(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long long left = deadline - sx_now_ms();
		int n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * getaddrinfo(name, AF_INET) -> *out. 0, or the EAI_ code; the text form of
 * the address goes to text (INET6_ADDRSTRLEN bytes) when not NULL.
 */
static inline int sx_resolve(const char *name, int port, int socktype, struct sockaddr_in *out, char *text)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = socktype }, *ai = NULL;
	char serv[16];
	int rc;

	snprintf(serv, sizeof(serv), "%d", port);
	rc = getaddrinfo(name, serv, &hints, &ai);
	if (rc != 0)
		return rc;
	memcpy(out, ai->ai_addr, sizeof(*out));
	freeaddrinfo(ai);
	if (text != NULL)
		inet_ntop(AF_INET, &out->sin_addr, text, INET6_ADDRSTRLEN);
	return 0;
}

/*
 * One exchange on a connected stream socket: send msg, read it all back.
 * 0, or -1 with errno (EPROTO: other bytes came back, ECONNRESET: EOF).
 */
static inline int sx_stream_echo(int fd, const char *msg, long long deadline)
{
	size_t len = strlen(msg), got = 0;
	char buf[4096];

	if (len > sizeof(buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	while (got < len) {
		ssize_t n;

		if (sx_wait(fd, POLLIN, deadline) != 1)
			return -1;
		n = recv(fd, buf + got, len - got, 0);
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	if (memcmp(buf, msg, len) != 0) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* A blocking connect to addr, then one echo. 0, or -1 with errno. */
static inline int sx_tcp_echo_addr(const struct sockaddr_in *addr, const char *msg)
{
	long long deadline = sx_now_ms() + SX_TIMEOUT_MS;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc, err;

	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	if (rc == 0)
		rc = sx_stream_echo(fd, msg, deadline);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* By name: resolve (errno EHOSTUNREACH when that fails), connect, echo. */
static inline int sx_tcp_echo_name(const char *name, int port, const char *msg)
{
	struct sockaddr_in a;

	if (sx_resolve(name, port, SOCK_STREAM, &a, NULL) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	return sx_tcp_echo_addr(&a, msg);
}

/*
 * One datagram to addr on fd, then wait for the echo (other datagrams are
 * skipped until the deadline). 0, or -1 with errno (ETIMEDOUT: no echo).
 */
static inline int sx_udp_echo_fd(int fd, const struct sockaddr_in *addr, const char *msg)
{
	long long deadline = sx_now_ms() + SX_TIMEOUT_MS;
	size_t len = strlen(msg);
	char buf[2048];

	if (sendto(fd, msg, len, 0, (const struct sockaddr *)addr, sizeof(*addr)) != (ssize_t)len)
		return -1;
	for (;;) {
		ssize_t n;

		if (sx_wait(fd, POLLIN, deadline) != 1)
			return -1;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if ((size_t)n == len && memcmp(buf, msg, len) == 0)
			return 0;
	}
}

/* A new UDP socket, one echo to name:port, closed again. */
static inline int sx_udp_echo_name(const char *name, int port, const char *msg)
{
	struct sockaddr_in a;
	int fd, rc, err;

	if (sx_resolve(name, port, SOCK_DGRAM, &a, NULL) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = sx_udp_echo_fd(fd, &a, msg);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/*
 * A DNS query (A, IN) for name sent on fd to nameserver:53, then the answer
 * awaited for timeout_ms: 0 and the first A record's address in out
 * (INET6_ADDRSTRLEN bytes), or -1 with errno (ETIMEDOUT: no answer,
 * EPROTO: not a NOERROR answer with an A record).
 */
static inline int sx_dns_query(int fd, const char *nameserver, const char *name, char *out, int timeout_ms)
{
	unsigned char q[512], r[1024];
	struct sockaddr_in ns = { .sin_family = AF_INET, .sin_port = htons(53) };
	long long deadline = sx_now_ms() + timeout_ms;
	size_t n = 12, off;
	const char *label = name;
	ssize_t got;

	if (inet_pton(AF_INET, nameserver, &ns.sin_addr) != 1 || strlen(name) > 255) {
		errno = EINVAL;
		return -1;
	}
	memset(q, 0, 12);
	q[0] = 0x5a, q[1] = 0x17, q[2] = 0x01, q[5] = 1; /* id, RD, one question */
	while (*label != '\0') {
		size_t len = strcspn(label, ".");
		q[n++] = (unsigned char)len;
		memcpy(q + n, label, len);
		n += len;
		label += len + (label[len] == '.');
	}
	q[n++] = 0;
	q[n++] = 0, q[n++] = 1, q[n++] = 0, q[n++] = 1; /* A, IN */
	if (sendto(fd, q, n, 0, (struct sockaddr *)&ns, sizeof(ns)) != (ssize_t)n)
		return -1;
	do {
		if (sx_wait(fd, POLLIN, deadline) != 1)
			return -1;
		got = recv(fd, r, sizeof(r), MSG_DONTWAIT);
		if (got < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	} while (got < 12 || r[0] != 0x5a || r[1] != 0x17); /* not our answer: wait on */
	if ((r[3] & 0x0f) != 0 || r[7] == 0) {
		errno = EPROTO;
		return -1;
	}
	off = n; /* the question comes back as sent; then the first answer's name */
	if (off < (size_t)got && (r[off] & 0xc0) == 0xc0)
		off += 2;
	else
		while (off < (size_t)got && r[off] != 0)
			off += r[off] + 1u;
	if (off + 14 > (size_t)got || r[off] != 0 || r[off + 1] != 1 || r[off + 8] != 0 || r[off + 9] != 4) {
		errno = EPROTO;
		return -1;
	}
	inet_ntop(AF_INET, r + off + 10, out, INET6_ADDRSTRLEN);
	return 0;
}

/* Open fds of this process (the directory's own fd not counted), -1 on error. */
static inline int sx_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* VmRSS in KiB, -1 on error. */
static inline long sx_vmrss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Whether libsocksify.so is mapped into this process. */
static inline int sx_preloaded(void)
{
	char line[4096];
	int found = 0;
	FILE *maps = fopen("/proc/self/maps", "re");

	while (maps != NULL && fgets(line, sizeof(line), maps) != NULL)
		found |= strstr(line, "/libsocksify.so") != NULL;
	if (maps != NULL)
		fclose(maps);
	return found;
}

/* "LABEL ok" or "LABEL ERRNAME": prints the line, returns 0 / 1. */
static inline int sx_report(const char *label, int rc)
{
	int err = errno;

	if (rc == 0)
		printf("%s ok\n", label);
	else
		printf("%s %s\n", label, sx_errname(err));
	fflush(stdout);
	return rc == 0 ? 0 : 1;
}

#endif
