/* udp_name NAME PORT [4|6]: a UDP echo client by hostname, for the memory
 * checkers (tests/bats/valgrind.bats, tests/asan/asan.bats): every call
 * allocates and frees what a real client does, and exits cleanly.
 *
 * Resolves NAME with getaddrinfo (AF_INET, or AF_INET6 with "6"; default 4),
 * then, each echo waiting 5 s at most (poll):
 *   - an unconnected socket: sendto + recvfrom, twice (64 and 1200 bytes);
 *   - the same socket: sendmsg (2 iovecs, msg_name set) + recvmsg;
 *   - a connected socket: send + recv, write + read, getpeername;
 *   - getnameinfo(address, NI_NAMEREQD), with a service buffer: the name
 *     back, if it has one.
 * Each payload and each reported source (the resolved address and PORT) is
 * checked. Prints
 *   addr ADDRESS
 *   sendto ok
 *   sendmsg ok
 *   connected ok
 *   reverse NAME|none
 *   ok
 * and exits 0, or prints "error WHAT: ..." and exits 1.
 * Built by the suites: cc -g -O1 -Wall -o udp_name udp_name.c */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define WAIT_MS 5000

static struct addrinfo *target;
static char target_host[NI_MAXHOST];

static int fail(const char *what, int err)
{
	printf("error %s: %s\n", what, err ? strerror(err) : "mismatch");
	if (target != NULL)
		freeaddrinfo(target);
	return 1;
}

static void fill(unsigned char *buf, size_t len, unsigned tag)
{
	unsigned x = (unsigned)getpid() * 2654435761u + tag;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
}

/* fd readable within WAIT_MS: 0, or an errno value. */
static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, WAIT_MS);

	if (n < 0)
		return errno;
	return n == 0 ? ETIMEDOUT : 0;
}

/* The source SS is the resolved address and port. */
static int same_source(const struct sockaddr_storage *ss, socklen_t len)
{
	char host[NI_MAXHOST], port[NI_MAXSERV], want_port[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return 0;
	if (getnameinfo(target->ai_addr, target->ai_addrlen, NULL, 0, want_port,
			sizeof(want_port), NI_NUMERICSERV) != 0)
		return 0;
	return strcmp(host, target_host) == 0 && strcmp(port, want_port) == 0;
}

static int echo_sendto(int fd, size_t len, unsigned tag)
{
	unsigned char out[1200], in[2048];
	struct sockaddr_storage src;
	socklen_t slen = sizeof(src);
	ssize_t n;
	int err;

	fill(out, len, tag);
	if (sendto(fd, out, len, 0, target->ai_addr, target->ai_addrlen) != (ssize_t)len)
		return fail("sendto", errno);
	if ((err = wait_readable(fd)) != 0)
		return fail("recvfrom wait", err);
	n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&src, &slen);
	if (n < 0)
		return fail("recvfrom", errno);
	if ((size_t)n != len || memcmp(in, out, len) != 0 || !same_source(&src, slen))
		return fail("recvfrom", 0);
	return 0;
}

static int echo_msg(int fd)
{
	unsigned char a[40], b[300], in[2048];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } }, riov = { in, sizeof(in) };
	struct sockaddr_storage src;
	struct msghdr m = { .msg_name = target->ai_addr, .msg_namelen = target->ai_addrlen,
			    .msg_iov = iov, .msg_iovlen = 2 };
	struct msghdr r = { .msg_name = &src, .msg_namelen = sizeof(src), .msg_iov = &riov,
			    .msg_iovlen = 1 };
	ssize_t n;
	int err;

	fill(a, sizeof(a), 3);
	fill(b, sizeof(b), 4);
	if (sendmsg(fd, &m, 0) != (ssize_t)(sizeof(a) + sizeof(b)))
		return fail("sendmsg", errno);
	if ((err = wait_readable(fd)) != 0)
		return fail("recvmsg wait", err);
	n = recvmsg(fd, &r, 0);
	if (n < 0)
		return fail("recvmsg", errno);
	if ((size_t)n != sizeof(a) + sizeof(b) || memcmp(in, a, sizeof(a)) != 0 ||
	    memcmp(in + sizeof(a), b, sizeof(b)) != 0 || r.msg_flags != 0 ||
	    !same_source(&src, r.msg_namelen))
		return fail("recvmsg", 0);
	return 0;
}

static int echo_connected(int fd)
{
	unsigned char out[100], in[2048];
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	ssize_t n;
	int err;

	if (connect(fd, target->ai_addr, target->ai_addrlen) != 0)
		return fail("connect", errno);
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0)
		return fail("getpeername", errno);
	if (!same_source(&peer, plen))
		return fail("getpeername", 0);
	fill(out, sizeof(out), 5);
	if (send(fd, out, sizeof(out), 0) != (ssize_t)sizeof(out))
		return fail("send", errno);
	if ((err = wait_readable(fd)) != 0)
		return fail("recv wait", err);
	n = recv(fd, in, sizeof(in), 0);
	if (n != (ssize_t)sizeof(out) || memcmp(in, out, sizeof(out)) != 0)
		return fail("recv", n < 0 ? errno : 0);
	fill(out, sizeof(out), 6);
	if (write(fd, out, sizeof(out)) != (ssize_t)sizeof(out))
		return fail("write", errno);
	if ((err = wait_readable(fd)) != 0)
		return fail("read wait", err);
	n = read(fd, in, sizeof(in));
	if (n != (ssize_t)sizeof(out) || memcmp(in, out, sizeof(out)) != 0)
		return fail("read", n < 0 ? errno : 0);
	return 0;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_family = AF_INET };
	char name[NI_MAXHOST], serv[NI_MAXSERV];
	int fd, rc;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "4") != 0 && strcmp(argv[3], "6") != 0)) {
		fprintf(stderr, "usage: %s NAME PORT [4|6]\n", argv[0]);
		return 2;
	}
	if (argc == 4 && strcmp(argv[3], "6") == 0)
		hints.ai_family = AF_INET6;
	rc = getaddrinfo(argv[1], argv[2], &hints, &target);
	if (rc != 0) {
		printf("error getaddrinfo: %s\n", gai_strerror(rc));
		return 1;
	}
	if (getnameinfo(target->ai_addr, target->ai_addrlen, target_host, sizeof(target_host),
			NULL, 0, NI_NUMERICHOST) != 0)
		return fail("getnameinfo numeric", 0);
	printf("addr %s\n", target_host);

	fd = socket(target->ai_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	if (echo_sendto(fd, 64, 1) || echo_sendto(fd, 1200, 2))
		return 1;
	printf("sendto ok\n");
	if (echo_msg(fd))
		return 1;
	printf("sendmsg ok\n");
	close(fd);

	fd = socket(target->ai_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	if (echo_connected(fd))
		return 1;
	printf("connected ok\n");
	close(fd);

	rc = getnameinfo(target->ai_addr, target->ai_addrlen, name, sizeof(name), serv, sizeof(serv),
			 NI_NAMEREQD | NI_NUMERICSERV);
	printf("reverse %s\n", rc == 0 ? name : "none");
	freeaddrinfo(target);
	printf("ok\n");
	return 0;
}
