/*
 * conn_loop tcp|udp NAME PORT WARMUP COUNT: many short-lived connections
 * (or UDP associations) by name from one process (tests/bats/limits.bats).
 *
 * Each round resolves NAME with getaddrinfo, opens a socket, connects and
 * echoes one line (tcp), or sends one datagram by name and receives the
 * echo (udp: socket, sendto, recv, close, so one association per round),
 * closes the socket and frees the addrinfo. WARMUP rounds first, then the
 * open fds (/proc/self/fd) and VmRSS are measured, COUNT rounds, and
 * measured again. Prints
 *   before fds=N rss=KB
 *   after fds=N rss=KB
 *   rounds DONE failures F ms T  (DONE < COUNT: stopped after 20 in a row)
 *   first-failure I ERRNAME     (only when F > 0)
 * and exits 0 when every round succeeded, 1 otherwise. A failure does not
 * stop the loop (the counts are the evidence), but 20 in a row do.
 */
#include "sxtest.h"

static int round_tcp(const char *name, int port, long i)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char serv[16], msg[64];
	int fd, rc, err;

	snprintf(serv, sizeof(serv), "%d", port);
	snprintf(msg, sizeof(msg), "round %ld\n", i);
	if (getaddrinfo(name, serv, &hints, &ai) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		freeaddrinfo(ai);
		errno = err;
		return -1;
	}
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc == 0)
		rc = sx_stream_echo(fd, msg, sx_now_ms() + SX_TIMEOUT_MS);
	err = errno;
	close(fd);
	freeaddrinfo(ai);
	errno = err;
	return rc;
}

static int round_udp(const char *name, int port, long i)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "datagram %ld", i);
	return sx_udp_echo_name(name, port, msg);
}

int main(int argc, char **argv)
{
	int (*round)(const char *, int, long);
	long warmup, count, done = 0, failures = 0, in_a_row = 0, first = -1;
	int first_err = 0, port, fds0, fds1;
	long rss0, rss1;
	long long t0;

	if (argc != 6 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "udp") != 0)) {
		fprintf(stderr, "usage: %s tcp|udp NAME PORT WARMUP COUNT\n", argv[0]);
		return 2;
	}
	round = argv[1][0] == 't' ? round_tcp : round_udp;
	port = atoi(argv[3]);
	warmup = atol(argv[4]);
	count = atol(argv[5]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (long i = 0; i < warmup; i++)
		if (round(argv[2], port, i) != 0) {
			printf("warmup-failure %ld %s\n", i, sx_errname(errno));
			return 1;
		}
	fds0 = sx_count_fds();
	rss0 = sx_vmrss_kb();
	printf("before fds=%d rss=%ld\n", fds0, rss0);
	t0 = sx_now_ms();
	for (long i = 0; i < count && in_a_row < 20; i++, done++) {
		if (round(argv[2], port, i) == 0) {
			in_a_row = 0;
			continue;
		}
		if (first < 0) {
			first = i;
			first_err = errno;
		}
		failures++;
		in_a_row++;
	}
	fds1 = sx_count_fds();
	rss1 = sx_vmrss_kb();
	printf("after fds=%d rss=%ld\n", fds1, rss1);
	printf("rounds %ld failures %ld ms %lld\n", done, failures, sx_now_ms() - t0);
	if (first >= 0)
		printf("first-failure %ld %s\n", first, sx_errname(first_err));
	return failures == 0 && done == count ? 0 : 1;
}
