/* udp_mmsg HOST PORT [connect] [syscall]: sendmmsg three datagrams (of 10,
 * 300 and 1400 bytes) to HOST PORT in one call, then recvmmsg until all three
 * are back (5 s at most; blocking socket with SO_RCVTIMEO). Checks each
 * echoed payload and that its reported source is HOST PORT. With "connect",
 * the socket is connected to HOST PORT first and the messages carry no
 * address (msg_name NULL); with "syscall", sendmmsg and recvmmsg are called
 * through syscall(2), as libuv 1.44 (dig, BIND's tools, node) does. Prints
 *   sent 3
 *   recv N                (once per recvmmsg call, N datagrams)
 *   got I LEN SRC PORT    (per datagram, I the index of the payload)
 *   ok 3
 * and exits 0, or prints "error ..." and exits 1.
 * Built by tests/bats/udp.bats: cc -O2 -Wall -o udp_mmsg udp_mmsg.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define N 3

static const size_t sizes[N] = {10, 300, 1400};

static int fmt_addr(const struct sockaddr *sa, char *host, size_t hl, char *port, size_t pl)
{
	socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);
	return getnameinfo(sa, len, host, hl, port, pl, NI_NUMERICHOST | NI_NUMERICSERV);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai;
	char want_host[NI_MAXHOST], want_port[NI_MAXSERV];
	static unsigned char out[N][1400], in[N][2048];
	struct mmsghdr msgs[N], rmsgs[N];
	struct iovec iov[N], riov[N];
	struct sockaddr_storage src[N];
	struct timeval tv = {.tv_sec = 5};
	int fd, rc, i, got = 0, seen[N] = {0};

	int connected = 0, raw = 0;

	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "connect"))
			connected = 1;
		else if (!strcmp(argv[i], "syscall"))
			raw = 1;
		else
			argc = 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: %s HOST PORT [connect] [syscall]\n", argv[0]);
		return 2;
	}
	rc = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if (rc) {
		printf("error getaddrinfo %s\n", gai_strerror(rc));
		return 1;
	}
	if (fmt_addr(ai->ai_addr, want_host, sizeof want_host, want_port, sizeof want_port)) {
		printf("error getnameinfo\n");
		return 1;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)) {
		printf("error socket %s\n", strerror(errno));
		return 1;
	}

	if (connected && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		printf("error connect %s\n", strerror(errno));
		return 1;
	}
	memset(msgs, 0, sizeof msgs);
	for (i = 0; i < N; i++) {
		size_t j;
		int n = snprintf((char *)out[i], sizeof out[i], "mmsg-%d-%d-", i, (int)getpid());
		for (j = (size_t)n; j < sizes[i]; j++)
			out[i][j] = (unsigned char)('a' + (j + (size_t)i) % 26);
		iov[i].iov_base = out[i];
		iov[i].iov_len = sizes[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = connected ? NULL : ai->ai_addr;
		msgs[i].msg_hdr.msg_namelen = connected ? 0 : ai->ai_addrlen;
	}
	rc = raw ? (int)syscall(SYS_sendmmsg, fd, msgs, N, 0) : sendmmsg(fd, msgs, N, 0);
	if (rc != N) {
		printf("error sendmmsg returned %d (%s)\n", rc, rc < 0 ? strerror(errno) : "short");
		return 1;
	}
	for (i = 0; i < N; i++) {
		if (msgs[i].msg_len != sizes[i]) {
			printf("error sendmmsg msg_len[%d] = %u, want %zu\n", i, msgs[i].msg_len, sizes[i]);
			return 1;
		}
	}
	printf("sent %d\n", rc);

	while (got < N) {
		memset(rmsgs, 0, sizeof rmsgs);
		for (i = 0; i < N; i++) {
			riov[i].iov_base = in[i];
			riov[i].iov_len = sizeof in[i];
			rmsgs[i].msg_hdr.msg_iov = &riov[i];
			rmsgs[i].msg_hdr.msg_iovlen = 1;
			rmsgs[i].msg_hdr.msg_name = &src[i];
			rmsgs[i].msg_hdr.msg_namelen = sizeof src[i];
		}
		rc = raw ? (int)syscall(SYS_recvmmsg, fd, rmsgs, (unsigned)(N - got), MSG_WAITFORONE, NULL)
			 : recvmmsg(fd, rmsgs, (unsigned)(N - got), MSG_WAITFORONE, NULL);
		if (rc <= 0) {
			printf("error recvmmsg returned %d (%s) after %d datagrams\n", rc,
			       rc < 0 ? strerror(errno) : "nothing", got);
			return 1;
		}
		printf("recv %d\n", rc);
		for (i = 0; i < rc; i++) {
			char h[NI_MAXHOST], p[NI_MAXSERV];
			unsigned len = rmsgs[i].msg_len;
			int k, match = -1;

			for (k = 0; k < N; k++)
				if (len == sizes[k] && !memcmp(in[i], out[k], sizes[k]))
					match = k;
			if (rmsgs[i].msg_hdr.msg_namelen == 0 ||
			    fmt_addr((struct sockaddr *)&src[i], h, sizeof h, p, sizeof p)) {
				printf("error datagram %d: no source address (namelen %u)\n", got + i,
				       (unsigned)rmsgs[i].msg_hdr.msg_namelen);
				return 1;
			}
			printf("got %d %u %s %s\n", match, len, h, p);
			if (match < 0 || seen[match]++) {
				printf("error datagram of %u bytes is not one that was sent\n", len);
				return 1;
			}
			if (strcmp(h, want_host) || strcmp(p, want_port)) {
				printf("error source %s %s, want %s %s\n", h, p, want_host, want_port);
				return 1;
			}
			if (rmsgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				printf("error MSG_TRUNC set on datagram %d\n", got + i);
				return 1;
			}
		}
		got += rc;
	}
	printf("ok %d\n", got);
	freeaddrinfo(ai);
	close(fd);
	return 0;
}
