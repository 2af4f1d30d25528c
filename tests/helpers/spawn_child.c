/*
 * spawn_child: posix_spawn from a socksified program (tests/bats/processes.bats).
 *
 *   spawn_child parent NAME TCP_PORT UDP_PORT
 *	Echoes once by name itself (TCP), then posix_spawn()s its own binary
 *	as "child" with the inherited environment and a file action that
 *	closes every fd from 3 (posix_spawn_file_actions_addclosefrom_np), and
 *	waits for it (15 s at most). The parent also holds a proxied TCP
 *	connection across the spawn and echoes on it afterwards.
 *   spawn_child child NAME TCP_PORT UDP_PORT
 *	Reports whether libsocksify.so is mapped and in LD_PRELOAD, then a TCP
 *	echo and a UDP echo by name.
 *   spawn_child exec CMD [ARGS...]
 *	posix_spawnp(CMD) with the inherited environment; its output is its own.
 *
 * Prints "parent-preloaded True", "parent-tcp ok", "child-preloaded True",
 * "child-ld-preload True", "child-tcp ok", "child-udp ok", "held ok",
 * "child-exit 0" (exec: "exit N"). Exit 0 when all went well.
 */
#include "sxtest.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static int child(const char *name, int tcp_port, int udp_port)
{
	const char *pre = getenv("LD_PRELOAD");
	int fails = 0;

	printf("child-preloaded %s\n", sx_preloaded() ? "True" : "False");
	printf("child-ld-preload %s\n", pre != NULL && strstr(pre, "libsocksify.so") ? "True" : "False");
	fails += sx_report("child-tcp", sx_tcp_echo_name(name, tcp_port, "spawned tcp\n"));
	fails += sx_report("child-udp", sx_udp_echo_name(name, udp_port, "spawned udp"));
	return fails;
}

static int parent(char *self, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct sockaddr_in a;
	char *args[] = { self, "child", argv[2], argv[3], argv[4], NULL };
	int fails = 0, held, rc, status;
	pid_t pid;

	printf("parent-preloaded %s\n", sx_preloaded() ? "True" : "False");
	fails += sx_report("parent-tcp", sx_tcp_echo_name(argv[2], atoi(argv[3]), "parent tcp\n"));
	/* a proxied connection held open across the spawn */
	if (sx_resolve(argv[2], atoi(argv[3]), SOCK_STREAM, &a, NULL) != 0)
		return 1;
	held = socket(AF_INET, SOCK_STREAM, 0);
	if (held < 0 || connect(held, (struct sockaddr *)&a, sizeof(a)) != 0)
		return sx_report("held", -1);
	fflush(stdout);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawn(&pid, self, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		printf("posix_spawn %s\n", sx_errname(rc));
		return 1;
	}
	status = sx_wait_until(pid, sx_now_ms() + 15000);
	printf("child-exit %d\n", status);
	fails += status != 0;
	fails += sx_report("held", sx_stream_echo(held, "held across spawn\n", sx_now_ms() + SX_TIMEOUT_MS));
	close(held);
	return fails;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "parent") == 0)
		return parent(argv[0], argv) ? 1 : 0;
	if (argc == 5 && strcmp(argv[1], "child") == 0)
		return child(argv[2], atoi(argv[3]), atoi(argv[4])) ? 1 : 0;
	if (argc >= 3 && strcmp(argv[1], "exec") == 0) {
		pid_t pid;
		int rc = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
		if (rc != 0) {
			printf("posix_spawnp %s\n", sx_errname(rc));
			return 1;
		}
		rc = sx_wait_until(pid, sx_now_ms() + 15000);
		printf("exit %d\n", rc);
		return rc;
	}
	fprintf(stderr, "usage: %s parent|child NAME TCP_PORT UDP_PORT | exec CMD [ARGS...]\n", argv[0]);
	return 2;
}
