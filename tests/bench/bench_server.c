/*
 * The loopback servers of `make bench`, in one process:
 *
 *   echo  TCP: echoes every byte (epoll, one thread: 32 clients at once)
 *   who   TCP: writes the peer's IP address and a newline, then closes --
 *         how the driver proves a contender's connection came from the proxy
 *   udp   UDP: echoes every datagram; a datagram "WHO?" gets the sender's IP
 *   bulk  TCP: 'U' + 8-byte size: reads that many bytes, answers the 8-byte
 *         count; 'D' + 8-byte size: writes that many bytes (thread each)
 *
 * usage: bench_server ADDR   (ports chosen by the kernel; one line on
 * stdout "echo=P who=P udp=P bulk=P" once every socket listens)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"

static struct in_addr bind_addr;

static int listener(int type, int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = bind_addr };
	socklen_t len = sizeof(sin);
	int one = 1;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    ((type & 0xf) == SOCK_STREAM && listen(fd, 4096) != 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("bench_server: bind/listen");
		exit(1);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)n);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out, (socklen_t)n);
	else
		snprintf(out, n, "?");
}

static void *udp_loop(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &len);
		if (n < 0)
			continue;
		if (n == 4 && memcmp(buf, "WHO?", 4) == 0) {
			peer_text(&ss, buf, 64);
			n = (ssize_t)strlen(buf);
		}
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&ss, len);
	}
	return NULL;
}

static void *bulk_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static char zero[1 << 16];
	char *buf = malloc(1 << 16);
	unsigned char hdr[9];
	uint64_t size, done = 0;

	if (buf == NULL || read_full(fd, hdr, sizeof(hdr)) != 0)
		goto out;
	memcpy(&size, hdr + 1, 8);
	if (hdr[0] == 'U') {
		while (done < size) {
			ssize_t r = read(fd, buf, 1 << 16);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			done += (uint64_t)r;
		}
		write_full(fd, &done, 8);
	} else if (hdr[0] == 'D') {
		while (done < size) {
			size_t n = size - done < sizeof(zero) ? (size_t)(size - done) : sizeof(zero);
			if (write_full(fd, zero, n) != 0)
				break;
			done += n;
		}
		/* wait for the client's close so the last bytes are not reset */
		while (read(fd, buf, 1 << 16) > 0)
			;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

static void *bulk_loop(void *arg)
{
	int lfd = *(int *)arg;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		pthread_t t;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (pthread_create(&t, &attr, bulk_conn, (void *)(intptr_t)fd) != 0)
			close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int echo_port, who_port, udp_port, bulk_port;
	int efd, echo_fd, who_fd, udp_fd, bulk_fd;
	pthread_t t;
	struct epoll_event ev;

	if (argc != 2 || inet_pton(AF_INET, argv[1], &bind_addr) != 1) {
		fprintf(stderr, "usage: bench_server IPV4ADDR\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	echo_fd = listener(SOCK_STREAM | SOCK_NONBLOCK, &echo_port);
	who_fd = listener(SOCK_STREAM | SOCK_NONBLOCK, &who_port);
	udp_fd = listener(SOCK_DGRAM, &udp_port);
	bulk_fd = listener(SOCK_STREAM, &bulk_port);
	pthread_create(&t, NULL, udp_loop, &udp_fd);
	pthread_create(&t, NULL, bulk_loop, &bulk_fd);

	efd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u64 = ((uint64_t)1 << 32) | (uint32_t)echo_fd;
	epoll_ctl(efd, EPOLL_CTL_ADD, echo_fd, &ev);
	ev.data.u64 = ((uint64_t)2 << 32) | (uint32_t)who_fd;
	epoll_ctl(efd, EPOLL_CTL_ADD, who_fd, &ev);
	printf("echo=%d who=%d udp=%d bulk=%d\n", echo_port, who_port, udp_port, bulk_port);
	fflush(stdout);

	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(efd, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			unsigned kind = (unsigned)(evs[i].data.u64 >> 32);
			int fd = (int)(uint32_t)evs[i].data.u64;
			if (kind == 1) { /* echo listener */
				int c;
				while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					int one = 1;
					struct linger lg = { .l_onoff = 1, .l_linger = 0 };
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					/* answer the peer's FIN with a reset: no TIME_WAIT (bench.c) */
					setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
					ev.events = EPOLLIN;
					ev.data.u64 = (uint32_t)c;
					epoll_ctl(efd, EPOLL_CTL_ADD, c, &ev);
				}
			} else if (kind == 2) { /* who listener */
				struct sockaddr_storage ss;
				socklen_t len = sizeof(ss);
				int c;
				while ((c = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC)) >= 0) {
					char text[80];
					peer_text(&ss, text, sizeof(text) - 1);
					strcat(text, "\n");
					write_full(c, text, strlen(text));
					close(c);
					len = sizeof(ss);
				}
			} else { /* echo connection */
				char buf[16384];
				ssize_t r = read(fd, buf, sizeof(buf));
				if (r > 0) {
					(void)!write(fd, buf, (size_t)r);
				} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
					epoll_ctl(efd, EPOLL_CTL_DEL, fd, NULL);
					close(fd);
				}
			}
		}
	}
}
