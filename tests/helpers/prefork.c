/*
 * prefork NAME TCP_PORT UDP_PORT WORKERS: a pre-forking server's shape
 * (tests/bats/processes.bats).
 *
 * The parent resolves NAME, opens a UDP socket and echoes one datagram by
 * name through it (the association is opened: control connection and
 * relay), then forks WORKERS workers, which never exec. Each worker
 * resolves NAME again (the same placeholder as the parent's: the table is
 * shared), does a TCP echo by name, then sends "worker I" on the INHERITED
 * UDP socket and receives one datagram from it (any worker's echo: they
 * share the socket), and reports what it got. After the workers the parent
 * echoes once more on its socket. Prints (one write per line)
 *   parent-udp ok
 *   wI same True / wI tcp ok / wI got worker J
 *   workers W ok O
 *   parent-after ok
 * and exits 0 when every step succeeded. Workers are bounded (15 s, then
 * SIGKILL by PID).
 */
#include "sxtest.h"

#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#define say(...) sx_say(1, __VA_ARGS__)

static int worker(int i, int u, const char *name, int tcp_port, const struct sockaddr_in *parent_t,
		  const struct sockaddr_in *udp_to)
{
	struct sockaddr_in t;
	char msg[32], buf[256];
	int fails = 0;
	long long deadline;
	ssize_t n;

	if (sx_resolve(name, tcp_port, SOCK_STREAM, &t, NULL) != 0)
		return 1;
	say("w%d same %s\n", i, t.sin_addr.s_addr == parent_t->sin_addr.s_addr ? "True" : "False");
	if (sx_tcp_echo_addr(&t, "worker tcp\n") == 0) {
		say("w%d tcp ok\n", i);
	} else {
		say("w%d tcp %s\n", i, sx_errname(errno));
		fails++;
	}
	snprintf(msg, sizeof(msg), "worker %d", i);
	if (sendto(u, msg, strlen(msg), 0, (const struct sockaddr *)udp_to, sizeof(*udp_to)) < 0) {
		say("w%d sendto %s\n", i, sx_errname(errno));
		return fails + 1;
	}
	deadline = sx_now_ms() + SX_TIMEOUT_MS;
	for (;;) {
		if (sx_wait(u, POLLIN, deadline) != 1) {
			say("w%d got %s\n", i, sx_errname(errno));
			return fails + 1;
		}
		n = recv(u, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			say("w%d got %s\n", i, sx_errname(errno));
			return fails + 1;
		}
	}
	buf[n] = '\0';
	say("w%d got %s\n", i, buf);
	return fails;
}

int main(int argc, char **argv)
{
	struct sockaddr_in t, u_to;
	int tcp_port, udp_port, workers, ok = 0, u;
	pid_t pids[64];

	if (argc != 5 || (workers = atoi(argv[4])) < 1 || workers > 64) {
		fprintf(stderr, "usage: %s NAME TCP_PORT UDP_PORT WORKERS(1-64)\n", argv[0]);
		return 2;
	}
	tcp_port = atoi(argv[2]);
	udp_port = atoi(argv[3]);
	if (sx_resolve(argv[1], tcp_port, SOCK_STREAM, &t, NULL) != 0 ||
	    sx_resolve(argv[1], udp_port, SOCK_DGRAM, &u_to, NULL) != 0) {
		say("resolve failed\n");
		return 1;
	}
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || sx_udp_echo_fd(u, &u_to, "parent") != 0) {
		say("parent-udp %s\n", sx_errname(errno));
		return 1;
	}
	say("parent-udp ok\n");
	for (int i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(worker(i, u, argv[1], tcp_port, &t, &u_to));
		if (pids[i] < 0)
			return 1;
	}
	long long deadline = sx_now_ms() + 15000;
	for (int i = 0; i < workers; i++) {
		int rc = sx_wait_until(pids[i], deadline);

		if (rc == 124)
			say("w%d hung\n", i);
		ok += rc == 0;
	}
	say("workers %d ok %d\n", workers, ok);
	if (sx_udp_echo_fd(u, &u_to, "parent after") == 0)
		say("parent-after ok\n");
	else
		say("parent-after %s\n", sx_errname(errno)), ok = -1;
	close(u);
	return ok == workers ? 0 : 1;
}
