/*
 * suid_client IP PORT: a tiny TCP client for the setuid test of
 * tests/bats/processes.bats. Says whether libsocksify.so is in its memory
 * and its effective uid, then connects to IP:PORT and echoes one line:
 *   preloaded False euid=0
 *   connect ECONNREFUSED      (or "connect ok")
 * Exit 0 when the echo worked, 1 otherwise.
 */
#include "sxtest.h"

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	if (argc != 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: %s IP PORT\n", argv[0]);
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("preloaded %s euid=%d\n", sx_preloaded() ? "True" : "False", (int)geteuid());
	return sx_report("connect", sx_tcp_echo_addr(&a, "setuid\n"));
}
