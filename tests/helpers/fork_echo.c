/*
 * fork_echo MODE NAME TCP_PORT UDP_PORT: fork without exec, the fake-DNS
 * table shared by parent and child (tests/bats/processes.bats).
 *
 *   parent-resolves: the parent resolves NAME (TCP and UDP), then forks;
 *	the child connects to the parent's placeholders, by address, without
 *	resolving anything: a TCP echo and a UDP echo, and getnameinfo of the
 *	placeholder. Then the parent does the same.
 *   child-resolves: the child resolves NAME and writes the placeholders to
 *	a pipe, then exits; the parent connects to them (TCP and UDP echo)
 *	and looks the name up itself: the same placeholder.
 *
 * Prints (one write per line, so parent and child lines never mix):
 *   placeholder A.B.C.D            (the TCP lookup's address)
 *   child-name NAME / parent-name NAME
 *   child-tcp ok, child-udp ok, parent-tcp ok, parent-udp ok
 *   same True                       (both lookups gave one placeholder)
 *   child-exit 0
 * Failures print the errno name instead of "ok"; exit 0 only when all is.
 */
#include "sxtest.h"

#include <stdarg.h>
#include <sys/wait.h>

#define say(...) sx_say(1, __VA_ARGS__)

static int report(const char *label, int rc)
{
	say("%s %s\n", label, rc == 0 ? "ok" : sx_errname(errno));
	return rc == 0 ? 0 : 1;
}

/* (With a service buffer: see the report on host-only NI_NAMEREQD lookups.) */
static int name_of(const struct sockaddr_in *a, char *out, size_t cap)
{
	char serv[NI_MAXSERV];

	return getnameinfo((const struct sockaddr *)a, sizeof(*a), out, (socklen_t)cap, serv,
			   sizeof(serv), NI_NAMEREQD | NI_NUMERICSERV);
}

/* TCP echo to t, UDP echo to u, the name of t, all under LABEL-... */
static int use(const char *who, const struct sockaddr_in *t, const struct sockaddr_in *u)
{
	char label[32], name[NI_MAXHOST];
	int fails = 0, fd;

	if (name_of(t, name, sizeof(name)) == 0)
		say("%s-name %s\n", who, name);
	else
		say("%s-name EAI\n", who), fails++;
	snprintf(label, sizeof(label), "%s-tcp", who);
	fails += report(label, sx_tcp_echo_addr(t, "fork tcp\n"));
	snprintf(label, sizeof(label), "%s-udp", who);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fails += report(label, fd < 0 ? -1 : sx_udp_echo_fd(fd, u, "fork udp"));
	if (fd >= 0)
		close(fd);
	return fails;
}

static int wait_child(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	say("child-exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in t, u, t2, u2;
	char text[INET6_ADDRSTRLEN];
	int tcp_port, udp_port, fails = 0, p[2];
	pid_t pid;

	if (argc != 5 || (strcmp(argv[1], "parent-resolves") && strcmp(argv[1], "child-resolves"))) {
		fprintf(stderr, "usage: %s parent-resolves|child-resolves NAME TCP_PORT UDP_PORT\n", argv[0]);
		return 2;
	}
	tcp_port = atoi(argv[3]);
	udp_port = atoi(argv[4]);

	if (strcmp(argv[1], "parent-resolves") == 0) {
		if (sx_resolve(argv[2], tcp_port, SOCK_STREAM, &t, text) != 0 ||
		    sx_resolve(argv[2], udp_port, SOCK_DGRAM, &u, NULL) != 0) {
			say("resolve failed\n");
			return 1;
		}
		say("placeholder %s\n", text);
		pid = fork();
		if (pid == 0)
			_exit(use("child", &t, &u));
		if (pid < 0)
			return 1;
		fails += wait_child(pid);
		fails += use("parent", &t, &u);
		if (sx_resolve(argv[2], tcp_port, SOCK_STREAM, &t2, NULL) == 0)
			say("same %s\n", t2.sin_addr.s_addr == t.sin_addr.s_addr ? "True" : "False");
		return fails ? 1 : 0;
	}

	if (pipe(p) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (sx_resolve(argv[2], tcp_port, SOCK_STREAM, &t, text) != 0 ||
		    sx_resolve(argv[2], udp_port, SOCK_DGRAM, &u, NULL) != 0)
			_exit(1);
		say("placeholder %s\n", text);
		(void)!write(p[1], &t, sizeof(t));
		(void)!write(p[1], &u, sizeof(u));
		_exit(0);
	}
	if (pid < 0)
		return 1;
	close(p[1]);
	fails += wait_child(pid);
	if (read(p[0], &t, sizeof(t)) != sizeof(t) || read(p[0], &u, sizeof(u)) != sizeof(u)) {
		say("no placeholder from the child\n");
		return 1;
	}
	fails += use("parent", &t, &u);
	if (sx_resolve(argv[2], tcp_port, SOCK_STREAM, &t2, NULL) == 0 &&
	    sx_resolve(argv[2], udp_port, SOCK_DGRAM, &u2, NULL) == 0)
		say("same %s\n", t2.sin_addr.s_addr == t.sin_addr.s_addr &&
					 u2.sin_addr.s_addr == u.sin_addr.s_addr
				 ? "True"
				 : "False");
	return fails ? 1 : 0;
}
