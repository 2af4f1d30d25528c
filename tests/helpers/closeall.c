/*
 * closeall MODE NAME TCP_PORT UDP_PORT NAMESERVER [OUTFILE]: programs that
 * close every fd, as ssh and daemons do (tests/bats/processes.bats).
 *
 * Before: a UDP socket echoes by name (an association: control connection
 * and relay), a TCP connection by name is opened and kept, and a DNS query
 * for NAME is sent to NAMESERVER:53 (answered by the library from its own
 * loopback socket). Then, by MODE:
 *
 *   closefrom          closefrom(3)
 *   close_range        close_range(3, ~0U, 0)
 *   cloexec            close_range(3, ~0U, CLOSE_RANGE_CLOEXEC): nothing
 *                      closes, everything becomes close-on-exec
 *   keep-closefrom     closefrom(U + 1), U the UDP socket: the socket stays,
 *                      its control connection (a library fd) is closed
 *   fork-closefrom     three threads keep connecting and resolving by name;
 *   fork-close_range   a child forked meanwhile does closefrom(3) (or
 *                      close_range) and the steps below, without exec; the
 *                      parent's association must outlive the child's close
 *   daemon             ssh-style: fork, setsid, fork; the grandchild chdirs
 *                      to /, closes every fd (closefrom(0)), puts /dev/null
 *                      on 0, 1 and 2, and writes its lines to OUTFILE
 *
 * After: the old fds are closed ("closed True"; cloexec: "cloexec True"
 * and the kept connection still works; keep-closefrom: "kept True"), a new
 * UDP socket (the same one for cloexec and keep-closefrom) echoes by name
 * ("after-udp ok": a new association opens when the old one's control
 * connection was closed), a new TCP echo by name works
 * ("after-tcp ok"), and the DNS query is still answered ("after-dns ok
 * ADDR"). Lines are written whole; exit 0 when every step succeeded.
 */
#include "sxtest.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int out_fd = 1;
static const char *name, *nameserver;
static int tcp_port, udp_port;
static atomic_bool stop;
static atomic_long thread_failures, thread_rounds;

#define say(...) sx_say(out_fd, __VA_ARGS__)

static int report(const char *label, int rc)
{
	say("%s %s\n", label, rc == 0 ? "ok" : sx_errname(errno));
	return rc == 0 ? 0 : 1;
}

/* A DNS A query for name to nameserver:53 on a new socket; the answer's address in out. */
static int dns_query(char *out)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc, err;

	if (fd < 0)
		return -1;
	rc = sx_dns_query(fd, nameserver, name, out, 5000);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

static int dns_step(const char *label)
{
	char addr[INET6_ADDRSTRLEN];

	if (dns_query(addr) != 0)
		return report(label, -1);
	say("%s ok %s\n", label, addr);
	return 0;
}

static bool is_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static bool is_cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);

	return f >= 0 && (f & FD_CLOEXEC);
}

enum closed { ALL_CLOSED, ALL_CLOEXEC, UDP_KEPT };

/* The steps after the close; u and t the fds from before. */
static int after(enum closed how, int u, int t)
{
	struct sockaddr_in a;
	int fails = 0;

	if (how == ALL_CLOSED) {
		say("closed %s\n", is_closed(u) && is_closed(t) ? "True" : "False");
		u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		say("udp-fd %d\n", u);
	} else if (how == UDP_KEPT) {
		say("kept %s\n", !is_closed(u) && is_closed(t) ? "True" : "False");
	} else {
		say("cloexec %s\n", is_cloexec(u) && is_cloexec(t) ? "True" : "False");
		fails += report("after-held", sx_stream_echo(t, "held\n", sx_now_ms() + SX_TIMEOUT_MS));
	}
	if (sx_resolve(name, udp_port, SOCK_DGRAM, &a, NULL) != 0)
		return fails + 1;
	fails += report("after-udp", sx_udp_echo_fd(u, &a, "after the close"));
	fails += report("after-udp-again", sx_udp_echo_fd(u, &a, "and again"));
	close(u);
	fails += report("after-tcp", sx_tcp_echo_name(name, tcp_port, "after the close\n"));
	fails += dns_step("after-dns");
	return fails;
}

static enum closed close_all(const char *how, int u)
{
	if (strcmp(how, "keep-closefrom") == 0) {
		closefrom(u + 1);
		return UDP_KEPT;
	}
	if (strcmp(how, "cloexec") == 0) {
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		return ALL_CLOEXEC;
	}
	if (strcmp(how, "closefrom") == 0)
		closefrom(3);
	else
		close_range(3, ~0U, 0);
	return ALL_CLOSED;
}

static void *worker(void *arg)
{
	char host[64];

	for (long i = 0; !atomic_load(&stop); i++) {
		struct sockaddr_in a;

		snprintf(host, sizeof(host), "w%ld-%ld.close.example.test", (long)arg, i);
		if (sx_resolve(host, 80, SOCK_STREAM, &a, NULL) != 0 ||
		    sx_tcp_echo_name(name, tcp_port, "thread\n") != 0)
			atomic_fetch_add(&thread_failures, 1);
		atomic_fetch_add(&thread_rounds, 1);
	}
	return NULL;
}

/* ssh-style detach; returns in the grandchild only. */
static void daemonize(const char *outfile)
{
	pid_t sid = getsid(0), pid = fork();
	int fd;

	if (pid < 0)
		exit(1);
	if (pid > 0)
		exit(sx_wait_until(pid, sx_now_ms() + 15000)); /* the first child exits at once */
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		_exit(1);
	closefrom(0);
	fd = open("/dev/null", O_RDWR);
	if (fd != 0)
		_exit(1);
	dup2(0, 1);
	dup2(0, 2);
	/* the report file out of the way of the fd numbers checked below */
	fd = open(outfile, O_WRONLY | O_APPEND | O_CLOEXEC);
	out_fd = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 100);
	if (out_fd < 0)
		_exit(1);
	close(fd);
	say("daemon-pid %d\n", (int)getpid());
	say("daemon-new-session %s\n", getsid(0) != sid && getppid() != 0 ? "True" : "False");
}

int main(int argc, char **argv)
{
	const char *mode;
	struct sockaddr_in a;
	int fails = 0, u, t;

	if (argc < 6 || (strcmp(argv[1], "daemon") == 0) != (argc == 7)) {
		fprintf(stderr, "usage: %s MODE NAME TCP_PORT UDP_PORT NAMESERVER [OUTFILE]\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	name = argv[2];
	tcp_port = atoi(argv[3]);
	udp_port = atoi(argv[4]);
	nameserver = argv[5];

	/* before: an association, a kept connection, the DNS responder */
	if (sx_resolve(name, udp_port, SOCK_DGRAM, &a, NULL) != 0)
		return 1;
	u = socket(AF_INET, SOCK_DGRAM, 0);
	fails += report("before-udp", sx_udp_echo_fd(u, &a, "before the close"));
	if (sx_resolve(name, tcp_port, SOCK_STREAM, &a, NULL) != 0)
		return 1;
	t = socket(AF_INET, SOCK_STREAM, 0);
	fails += report("before-tcp", connect(t, (struct sockaddr *)&a, sizeof(a)) == 0
						? sx_stream_echo(t, "kept\n", sx_now_ms() + SX_TIMEOUT_MS)
						: -1);
	fails += dns_step("before-dns");
	if (fails)
		return 1;

	if (strcmp(mode, "daemon") == 0) {
		daemonize(argv[6]);
		fails += after(ALL_CLOSED, u, t);
		say("done %d\n", fails);
		return fails ? 1 : 0;
	}
	if (strncmp(mode, "fork-", 5) != 0)
		return after(close_all(mode, u), u, t) ? 1 : 0;

	pthread_t th[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	usleep(50000);
	pid_t pid = fork();
	if (pid == 0) {
		_exit(after(close_all(mode + 5, u), u, t));
	}
	int status = pid < 0 ? 1 : sx_wait_until(pid, sx_now_ms() + 15000);
	say("child-exit %d\n", status);
	atomic_store(&stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	say("threads rounds %ld failures %ld\n", atomic_load(&thread_rounds), atomic_load(&thread_failures));
	/* the parent's association and connection outlived the child's close */
	if (sx_resolve(name, udp_port, SOCK_DGRAM, &a, NULL) != 0)
		return 1;
	fails += report("parent-udp", sx_udp_echo_fd(u, &a, "parent after the child"));
	fails += report("parent-held", sx_stream_echo(t, "parent held\n", sx_now_ms() + SX_TIMEOUT_MS));
	return fails || status != 0 || atomic_load(&thread_failures) ? 1 : 0;
}
