/*
 * fd_limits MODE ARGS...: fd numbers and fd exhaustion under socksify
 * (tests/bats/limits.bats). Only poll is used, never select.
 *
 *   fd_limits high NAME TCP_PORT UDP_PORT NFDS
 *	Raises the soft RLIMIT_NOFILE to 4096 (within the hard limit), opens
 *	NFDS fds on /dev/null, then: a TCP echo by name on the next socket
 *	("tcp-fd N", "tcp ok"), the same connection moved with dup2 to fd 4000
 *	("tcp-dup ok"), a UDP echo by name ("udp-fd N", "udp ok"), and a UDP
 *	socket moved to fd 4001 before its first datagram ("udp-high ok").
 *	Ends with "fds-back True" when the fd count is what it was after NFDS.
 *
 *   fd_limits emfile-udp NAME UDP_PORT
 *	A first UDP echo by name (configuration loaded, proxy known), then the
 *	soft limit lowered to 64 and the table filled so that exactly one fd
 *	is left, which a new UDP socket takes. Its sendto by name cannot get
 *	an fd for the association's control connection: prints "sendto ERR"
 *	and "fast True" (under 2 s). Then one fd is freed and the same socket
 *	echoes ("after ok"); "fds-back True" when every fd is accounted for.
 *
 *   fd_limits emfile-tcp IP PORT
 *	Nothing before: the table is filled at once so that exactly one fd is
 *	left, a TCP socket takes it and connects to IP:PORT, the first call
 *	that needs the configuration: "connect ok" or "connect ERRNAME", and
 *	"fast True". Then the fds are freed and a new socket connects and
 *	echoes ("after ok").
 *
 *   fd_limits emfile-dns NAME NAMESERVER
 *	Nothing before (resolv.conf not read yet): the table is filled so
 *	that exactly one fd is left, a UDP socket takes it and sends a DNS
 *	query for NAME to NAMESERVER:53, which the library answers itself
 *	when it knows NAMESERVER for one of resolv.conf's ("query ERR" or
 *	"query sent", then "answered True|False" within 1 s). Then the fds
 *	are freed and the query is sent again on the same socket and on a
 *	new one: "after-dns ok ADDR", "after-dns-new ok ADDR".
 *
 * Exit 0 when every step printed what it should have been able to do
 * (the suite checks the lines), 2 on a usage or set-up error.
 */
#include "sxtest.h"

#include <fcntl.h>
#include <sys/resource.h>

static int null_fd(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static int set_nofile(rlim_t soft)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < soft) {
		fprintf(stderr, "hard RLIMIT_NOFILE %llu < %llu\n", (unsigned long long)rl.rlim_max,
			(unsigned long long)soft);
		return -1;
	}
	rl.rlim_cur = soft;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Fills the table with /dev/null fds until EMFILE; returns how many (in fds[]). */
static int fill(int *fds, int cap)
{
	int n = 0, base = null_fd();

	if (base < 0)
		return 0;
	fds[n++] = base;
	while (n < cap) {
		int fd = fcntl(base, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	return n;
}

/*
 * The limit lowered to 64 and every fd taken but one, which becomes a
 * socket of this type: the next fd the library wants is not there. -1 if
 * that cannot be set up.
 */
static int socket_with_no_fd_left(int *fds, int *n, int type)
{
	int s;

	if (set_nofile(64) != 0)
		return -1;
	*n = fill(fds, 256);
	close(fds[--*n]); /* exactly one left */
	s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		perror("socket");
	return s;
}

static int mode_high(int argc, char **argv)
{
	const char *name;
	int tcp_port, udp_port, nfds, before, rc = 0, *fds;
	struct sockaddr_in a;
	long long deadline;

	if (argc != 6)
		return 2;
	name = argv[2];
	tcp_port = atoi(argv[3]);
	udp_port = atoi(argv[4]);
	nfds = atoi(argv[5]);
	if (set_nofile(4096) != 0 || (fds = calloc((size_t)nfds, sizeof(int))) == NULL)
		return 2;
	for (int i = 0; i < nfds; i++)
		if ((fds[i] = null_fd()) < 0) {
			perror("open /dev/null");
			return 2;
		}
	before = sx_count_fds();
	printf("opened %d highest %d\n", nfds, fds[nfds - 1]);

	/* TCP by name on the next fd, then on fd 4000 */
	if (sx_resolve(name, tcp_port, SOCK_STREAM, &a, NULL) != 0)
		return 2;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	printf("tcp-fd %d\n", s);
	deadline = sx_now_ms() + SX_TIMEOUT_MS;
	int c = connect(s, (struct sockaddr *)&a, sizeof(a));
	rc |= sx_report("tcp", c == 0 ? sx_stream_echo(s, "high fd tcp\n", deadline) : -1);
	if (dup2(s, 4000) != 4000)
		return 2;
	close(s);
	rc |= sx_report("tcp-dup", sx_stream_echo(4000, "fd 4000\n", deadline));
	/* the copy reports the placeholder as its peer, as the original did */
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	int same = getpeername(4000, (struct sockaddr *)&peer, &plen) == 0;
	if (same && peer.sin_addr.s_addr != a.sin_addr.s_addr) {
		same = 0;
		errno = EPROTO;
	}
	rc |= sx_report("tcp-dup-peer", same ? 0 : -1);
	close(4000);

	/* UDP by name on the next fd, then a socket that lives on fd 4001 */
	if (sx_resolve(name, udp_port, SOCK_DGRAM, &a, NULL) != 0)
		return 2;
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	printf("udp-fd %d\n", u);
	rc |= sx_report("udp", sx_udp_echo_fd(u, &a, "high fd udp"));
	close(u);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (dup2(u, 4001) != 4001)
		return 2;
	close(u);
	rc |= sx_report("udp-high", sx_udp_echo_fd(4001, &a, "fd 4001"));
	rc |= sx_report("udp-high-again", sx_udp_echo_fd(4001, &a, "fd 4001 again"));
	close(4001);

	printf("fds-back %s\n", sx_count_fds() == before ? "True" : "False");
	return rc;
}

static int mode_emfile_udp(int argc, char **argv)
{
	static int fds[256];
	struct sockaddr_in a;
	int n, before, rc = 0;

	if (argc != 4)
		return 2;
	/* a first association: everything the library loads once is loaded */
	rc |= sx_report("warm", sx_udp_echo_name(argv[2], atoi(argv[3]), "warm"));
	if (sx_resolve(argv[2], atoi(argv[3]), SOCK_DGRAM, &a, NULL) != 0)
		return 2;
	before = sx_count_fds();
	int u = socket_with_no_fd_left(fds, &n, SOCK_DGRAM);
	if (u < 0)
		return 2;
	int probe = null_fd();
	printf("full %s\n", probe < 0 && errno == EMFILE ? "True" : "False");
	if (probe >= 0)
		close(probe);

	long long t0 = sx_now_ms();
	ssize_t sent = sendto(u, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
	int err = errno;
	long long took = sx_now_ms() - t0;
	if (sent >= 0)
		printf("sendto sent %zd\n", sent);
	else
		printf("sendto %s\n", sx_errname(err));
	printf("fast %s\n", took < 2000 ? "True" : "False");
	fflush(stdout);

	/* one fd back: the same socket associates and echoes */
	close(fds[--n]);
	rc |= sx_report("after", sx_udp_echo_fd(u, &a, "after emfile"));
	close(u);
	while (n > 0)
		close(fds[--n]);
	set_nofile(1024);
	printf("fds-back %s\n", sx_count_fds() == before ? "True" : "False");
	return rc;
}

static int mode_emfile_tcp(int argc, char **argv)
{
	static int fds[256];
	struct sockaddr_in a = { .sin_family = AF_INET };
	int n, rc = 0;

	if (argc != 4 || inet_pton(AF_INET, argv[2], &a.sin_addr) != 1)
		return 2;
	a.sin_port = htons((uint16_t)atoi(argv[3]));
	int s = socket_with_no_fd_left(fds, &n, SOCK_STREAM);
	if (s < 0)
		return 2;
	long long t0 = sx_now_ms();
	int c = connect(s, (struct sockaddr *)&a, sizeof(a));
	int err = errno;
	long long took = sx_now_ms() - t0;
	printf("connect %s\n", c == 0 ? "ok" : sx_errname(err));
	printf("fast %s\n", took < 2000 ? "True" : "False");
	fflush(stdout);
	close(s);
	while (n > 0)
		close(fds[--n]);
	rc |= sx_report("after", sx_tcp_echo_addr(&a, "after emfile\n"));
	return rc;
}

static int mode_emfile_dns(int argc, char **argv)
{
	static int fds[256];
	char addr[INET6_ADDRSTRLEN];
	int n, rc = 0;

	if (argc != 4)
		return 2;
	int u = socket_with_no_fd_left(fds, &n, SOCK_DGRAM);
	if (u < 0)
		return 2;
	long long t0 = sx_now_ms();
	int q = sx_dns_query(u, argv[3], argv[2], addr, 1000);
	int err = errno;
	if (q == 0)
		printf("query sent\nanswered True\n");
	else if (err == ETIMEDOUT)
		printf("query sent\nanswered False\n");
	else
		printf("query %s\n", sx_errname(err));
	printf("fast %s\n", sx_now_ms() - t0 < 2000 ? "True" : "False");
	fflush(stdout);
	while (n > 0)
		close(fds[--n]);
	if (sx_dns_query(u, argv[3], argv[2], addr, 3000) == 0)
		printf("after-dns ok %s\n", addr);
	else
		rc |= sx_report("after-dns", -1);
	close(u);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sx_dns_query(u, argv[3], argv[2], addr, 3000) == 0)
		printf("after-dns-new ok %s\n", addr);
	else
		rc |= sx_report("after-dns-new", -1);
	close(u);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "high") == 0)
		rc = mode_high(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "emfile-udp") == 0)
		rc = mode_emfile_udp(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "emfile-tcp") == 0)
		rc = mode_emfile_tcp(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "emfile-dns") == 0)
		rc = mode_emfile_dns(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage or set-up error (see the header of fd_limits.c)\n");
	return rc;
}
