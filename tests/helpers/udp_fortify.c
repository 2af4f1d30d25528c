/* udp_fortify HOST PORT: UDP echo round trips through the fortified forms of
 * read(), recv() and recvfrom() that glibc substitutes under
 * -O2 -D_FORTIFY_SOURCE=2 when the buffer's size is known and the length is
 * not a constant (__read_chk, __recv_chk, __recvfrom_chk). Blocking sockets,
 * SO_RCVTIMEO 5 s. Prints
 *   recvfrom ok SRC PORT       unconnected socket: sendto, recvfrom
 *   read ok                    connected socket: write, read
 *   recv ok                    connected socket: send, recv
 *   peer HOST PORT             getpeername of the connected socket
 *   ok
 * and exits 0, or prints "error ..." and exits 1.
 * Built by tests/bats/udp.bats: cc -O2 -D_FORTIFY_SOURCE=2 -o udp_fortify udp_fortify.c */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#if !defined(_FORTIFY_SOURCE) || _FORTIFY_SOURCE < 1 || !defined(__OPTIMIZE__)
#error "build with -O2 -D_FORTIFY_SOURCE=2: the point is the __*_chk calls"
#endif

/* not a compile-time constant: keeps the fortified calls */
static volatile size_t buflen = 2048;

static int fmt_addr(const struct sockaddr *sa, socklen_t len, char *h, size_t hl, char *p, size_t pl)
{
	return getnameinfo(sa, len, h, hl, p, pl, NI_NUMERICHOST | NI_NUMERICSERV);
}

static int dgram_socket(const struct addrinfo *ai)
{
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)) {
		printf("error socket %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai;
	char want_h[NI_MAXHOST], want_p[NI_MAXSERV], h[NI_MAXHOST], p[NI_MAXSERV];
	char msg[64], buf[2048];
	struct sockaddr_storage ss;
	socklen_t sl;
	ssize_t n;
	int fd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
		return 2;
	}
	rc = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if (rc) {
		printf("error getaddrinfo %s\n", gai_strerror(rc));
		return 1;
	}
	fmt_addr(ai->ai_addr, ai->ai_addrlen, want_h, sizeof want_h, want_p, sizeof want_p);

	/* unconnected: sendto + __recvfrom_chk */
	fd = dgram_socket(ai);
	snprintf(msg, sizeof msg, "fortify-recvfrom-%d", (int)getpid());
	if (sendto(fd, msg, strlen(msg), 0, ai->ai_addr, ai->ai_addrlen) != (ssize_t)strlen(msg)) {
		printf("error sendto %s\n", strerror(errno));
		return 1;
	}
	sl = sizeof ss;
	n = recvfrom(fd, buf, buflen, 0, (struct sockaddr *)&ss, &sl);
	if (n < 0) {
		printf("error recvfrom %s\n", strerror(errno));
		return 1;
	}
	if ((size_t)n != strlen(msg) || memcmp(buf, msg, (size_t)n)) {
		printf("error recvfrom got %zd bytes, not the %zu sent\n", n, strlen(msg));
		return 1;
	}
	if (fmt_addr((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p)) {
		printf("error recvfrom: no source address (len %u)\n", (unsigned)sl);
		return 1;
	}
	printf("recvfrom ok %s %s\n", h, p);
	close(fd);

	/* connected: write + __read_chk, send + __recv_chk */
	fd = dgram_socket(ai);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		printf("error connect %s\n", strerror(errno));
		return 1;
	}
	snprintf(msg, sizeof msg, "fortify-read-%d", (int)getpid());
	if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg)) {
		printf("error write %s\n", strerror(errno));
		return 1;
	}
	n = read(fd, buf, buflen);
	if (n < 0) {
		printf("error read %s\n", strerror(errno));
		return 1;
	}
	if ((size_t)n != strlen(msg) || memcmp(buf, msg, (size_t)n)) {
		printf("error read got %zd bytes, not the %zu written\n", n, strlen(msg));
		return 1;
	}
	printf("read ok\n");
	snprintf(msg, sizeof msg, "fortify-recv-%d", (int)getpid());
	if (send(fd, msg, strlen(msg), 0) != (ssize_t)strlen(msg)) {
		printf("error send %s\n", strerror(errno));
		return 1;
	}
	n = recv(fd, buf, buflen, 0);
	if (n < 0) {
		printf("error recv %s\n", strerror(errno));
		return 1;
	}
	if ((size_t)n != strlen(msg) || memcmp(buf, msg, (size_t)n)) {
		printf("error recv got %zd bytes, not the %zu sent\n", n, strlen(msg));
		return 1;
	}
	printf("recv ok\n");
	sl = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) ||
	    fmt_addr((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p)) {
		printf("error getpeername %s\n", strerror(errno));
		return 1;
	}
	printf("peer %s %s\n", h, p);
	if (strcmp(h, want_h) || strcmp(p, want_p)) {
		printf("error peer %s %s, want %s %s\n", h, p, want_h, want_p);
		return 1;
	}
	close(fd);
	freeaddrinfo(ai);
	printf("ok\n");
	return 0;
}
