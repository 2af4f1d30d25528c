/*
 * log_closefrom OUTFILE: a daemon's start-up with socksify logging to a
 * file. A loopback connect loads the configuration (the log file opens),
 * closefrom(3) closes "every" fd, OUTFILE is opened (the lowest free fd),
 * and a connect to a placeholder nobody handed out makes socksify log an
 * error. The log line must go to the log file, never into OUTFILE.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void connect_to(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, ip, &sin.sin_addr);
	connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
}

int main(int argc, char **argv)
{
	int out;

	if (argc != 2)
		return 2;
	connect_to("127.0.0.1", 9);
	closefrom(3);
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		return 1;
	connect_to("198.18.255.254", 80);
	if (write(out, "mine\n", 5) != 5)
		return 1;
	printf("out fd %d\n", out);
	return close(out) == 0 ? 0 : 1;
}
