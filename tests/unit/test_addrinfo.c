/*
 * Check suite for addrinfo.c: the list built for one address against
 * glibc's getaddrinfo of the same numeric address, field by field, over a
 * matrix of families, socket types, protocols, services and flags; every
 * list is freed with glibc's freeaddrinfo. Run it under valgrind
 * (CK_FORK=no valgrind --leak-check=full --error-exitcode=1) to see that
 * glibc frees each node exactly as it was allocated.
 */
#include "addrinfo.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "suite.h"

/* The text glibc parses; the family and bytes the builder is given for it. */
static const struct {
	const char *text;
	int hints_family, hints_flags;
	int family; /* of the list's addresses */
} addrs[] = {
	{ "198.18.0.5", AF_INET, 0, AF_INET },
	{ "198.18.0.5", AF_UNSPEC, 0, AF_INET },
	{ "fd53:6b73:6679::5", AF_INET6, 0, AF_INET6 },
	{ "fd53:6b73:6679::5", AF_UNSPEC, 0, AF_INET6 },
	{ "198.18.0.5", AF_INET6, AI_V4MAPPED, AF_INET6 },
	{ "198.18.0.5", AF_INET6, AI_V4MAPPED | AI_ALL, AF_INET6 },
};

static const struct {
	int socktype, protocol;
} types[] = {
	{ 0, 0 },
	{ 0, IPPROTO_TCP },
	{ 0, IPPROTO_UDP },
	{ SOCK_STREAM, 0 },
	{ SOCK_STREAM, IPPROTO_TCP },
	{ SOCK_DGRAM, 0 },
	{ SOCK_DGRAM, IPPROTO_UDP },
};

static const char *const services[] = { NULL, "", "0", "80", "65535" };

static const int flag_sets[] = {
	0,
	AI_CANONNAME,
	AI_PASSIVE,
	AI_CANONNAME | AI_PASSIVE | AI_NUMERICSERV,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CASES (N(addrs) * N(types) * N(services) * N(flag_sets))

/* The address's bytes as the builder takes them: IPv4 v4-mapped for AF_INET6. */
static void addr_bytes(size_t a, unsigned char out[16])
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (addrs[a].family == AF_INET6 && strchr(addrs[a].text, ':') == NULL) {
		memcpy(out, mapped, sizeof(mapped));
		ck_assert_int_eq(inet_pton(AF_INET, addrs[a].text, out + 12), 1);
		return;
	}
	ck_assert_int_eq(inet_pton(addrs[a].family, addrs[a].text, out), 1);
}

static void assert_same_node(const struct addrinfo *ours, const struct addrinfo *libc, int i)
{
	ck_assert_msg(ours != NULL, "node %d missing", i);
	ck_assert_int_eq(ours->ai_flags, libc->ai_flags);
	ck_assert_int_eq(ours->ai_family, libc->ai_family);
	ck_assert_int_eq(ours->ai_socktype, libc->ai_socktype);
	ck_assert_int_eq(ours->ai_protocol, libc->ai_protocol);
	ck_assert_uint_eq(ours->ai_addrlen, libc->ai_addrlen);
	ck_assert_mem_eq(ours->ai_addr, libc->ai_addr, libc->ai_addrlen);
	/* glibc's layout, which its freeaddrinfo relies on: the address in the node's block. */
	ck_assert_ptr_eq(ours->ai_addr, (const void *)(ours + 1));
	if (libc->ai_canonname == NULL)
		ck_assert_ptr_null(ours->ai_canonname);
	else
		ck_assert_str_eq(ours->ai_canonname, libc->ai_canonname);
}

START_TEST(test_same_as_glibc)
{
	size_t i = (size_t)_i;
	size_t f = i % N(flag_sets), s = i / N(flag_sets) % N(services);
	size_t t = i / N(flag_sets) / N(services) % N(types), a = i / N(flag_sets) / N(services) / N(types);
	struct addrinfo hints = { .ai_family = addrs[a].hints_family,
				  .ai_flags = addrs[a].hints_flags | flag_sets[f],
				  .ai_socktype = types[t].socktype,
				  .ai_protocol = types[t].protocol };
	struct addrinfo_request req;
	struct addrinfo *libc = NULL, *ours = NULL;
	unsigned char bytes[16];
	int n = 0;

	ck_assert_int_eq(getaddrinfo(addrs[a].text, services[s], &hints, &libc), 0);
	ck_assert(addrinfo_request(&hints, services[s], &req));
	addr_bytes(a, bytes);
	ck_assert_int_eq(addrinfo_build(&req, addrs[a].family, bytes, addrs[a].text, &ours), 0);
	const struct addrinfo *o = ours;

	for (const struct addrinfo *l = libc; l != NULL; l = l->ai_next, o = o->ai_next)
		assert_same_node(o, l, n++);
	ck_assert_msg(o == NULL, "more nodes than glibc's %d", n);
	freeaddrinfo(libc);
	freeaddrinfo(ours);
}
END_TEST

/* AI_ADDRCONFIG depends on the machine's interfaces: the builder ignores it, as before. */
START_TEST(test_addrconfig_ignored)
{
	struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG | AI_V4MAPPED };
	struct addrinfo_request req;
	struct addrinfo *ours = NULL;
	const unsigned char bytes[16] = { 0xfd, 0x53, [15] = 5 };

	ck_assert(addrinfo_request(&hints, NULL, &req));
	ck_assert_int_eq(addrinfo_build(&req, AF_INET6, bytes, "name.test", &ours), 0);
	ck_assert_int_eq(ours->ai_flags, AI_ADDRCONFIG | AI_V4MAPPED);
	ck_assert_ptr_null(ours->ai_canonname); /* no AI_CANONNAME */
	ck_assert_ptr_null(ours->ai_next);
	freeaddrinfo(ours);
}
END_TEST

/* Requests whose answer is left to glibc. */
static const struct {
	int flags, socktype, protocol;
	const char *service;
} refused[] = {
	{ AI_IDN, 0, 0, NULL },
	{ AI_CANONIDN | AI_CANONNAME, 0, 0, NULL },
	{ AI_NUMERICHOST, 0, 0, NULL },
	{ 0x10000, 0, 0, NULL },
	{ 0, SOCK_RAW, 0, NULL },
	{ 0, SOCK_SEQPACKET, 0, NULL },
	{ 0, SOCK_STREAM | SOCK_CLOEXEC, 0, NULL },
	{ 0, SOCK_STREAM, IPPROTO_UDP, NULL },
	{ 0, SOCK_DGRAM, IPPROTO_TCP, NULL },
	{ 0, 0, IPPROTO_SCTP, NULL },
	{ 0, 0, IPPROTO_RAW, NULL },
	{ 0, 0, 0, "http" },
	{ 0, 0, 0, "65536" },
	{ 0, 0, 0, "99999999999" },
	{ 0, 0, 0, "-1" },
	{ 0, 0, 0, "+80" },
	{ 0, 0, 0, " 80" },
	{ 0, 0, 0, "80 " },
	{ 0, 0, 0, "0x50" },
};

START_TEST(test_refused)
{
	struct addrinfo hints = { .ai_flags = refused[_i].flags,
				  .ai_socktype = refused[_i].socktype,
				  .ai_protocol = refused[_i].protocol };
	struct addrinfo_request req;

	ck_assert_msg(!addrinfo_request(&hints, refused[_i].service, &req), "case %d", _i);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("addrinfo");
	TCase *tc = tcase_create("addrinfo");

	tcase_add_loop_test(tc, test_same_as_glibc, 0, (int)CASES);
	tcase_add_test(tc, test_addrconfig_ignored);
	tcase_add_loop_test(tc, test_refused, 0, (int)N(refused));
	suite_add_tcase(s, tc);
	return run_suite(s, CK_FORK_GETENV);
}
