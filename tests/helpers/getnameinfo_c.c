/*
 * getnameinfo(3) the way C programs call it, for the resolver suite:
 *   getnameinfo_c NAME
 * resolves NAME (AF_INET), then maps the address back with NI_NAMEREQD,
 * once without a service buffer (serv NULL, the common form) and once with
 * one; prints "nullserv HOST" and "serv HOST SERVICE", or the error.
 */
#include <netdb.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	int rc;

	if (argc != 2 || getaddrinfo(argv[1], "80", &hints, &ai) != 0)
		return 2;
	rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0, NI_NAMEREQD);
	printf("nullserv %s\n", rc ? gai_strerror(rc) : host);
	rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), serv, sizeof(serv),
			 NI_NAMEREQD | NI_NUMERICSERV);
	printf("serv %s %s\n", rc ? gai_strerror(rc) : host, rc ? "-" : serv);
	freeaddrinfo(ai);
	return 0;
}
