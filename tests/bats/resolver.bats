#!/usr/bin/env bats
# Fake DNS seen from real programs, without the lab: the resolver hooks
# answer names with placeholders and never ask the local resolver. The
# proxy is configured but never contacted here.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
SOCKSIFY="${SOCKSIFY:-$REPO/build/socksify}"
LIB="$(dirname "$SOCKSIFY")/libsocksify.so"

setup() {
	export HOME="$BATS_TEST_TMPDIR" XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
	for v in $(compgen -e); do case "$v" in SOCKSIFY_*) unset "$v" ;; esac; done
	export SOCKSIFY_PROXY="socks5://127.0.0.1:9"
}

# preloaded CMD...: CMD with the library, bounded.
preloaded() {
	LD_PRELOAD="$LIB" timeout 30 "$@"
}

@test "getaddrinfo: every hints combination is libc's answer for the placeholder; reverse and gethostbyname agree" {
	run preloaded python3 "$REPO/tests/helpers/gai_check.py" www.example.test
	assert_success
	assert_output --regexp "checked [0-9]{4}"
}

@test "the local resolver is never asked: no socket to a nameserver, no resolv.conf read" {
	command -v strace >/dev/null || fail "strace is needed"
	run preloaded strace -f -e trace=connect,sendto,sendmmsg,openat -o "$BATS_TEST_TMPDIR/trace" \
		python3 -c 'import socket; print(socket.getaddrinfo("leak-check.example.test", 80)[0][4][0])'
	assert_success
	assert_output --regexp '^198\.1[89]\.'
	run grep -E 'resolv\.conf|htons\(53\)|sin6?_port=htons\(53\)' "$BATS_TEST_TMPDIR/trace"
	assert_failure
}

@test "getent hosts and ahosts answer with the placeholder and the name" {
	# getent hosts asks for AF_INET6 first: with fake_ipv6 on (the default)
	# that is the IPv6 placeholder, with it off the IPv4 one
	run preloaded getent hosts www.example.test
	assert_success
	assert_output --regexp '^fd53:6b73:6679::[0-9a-f:]+ +www\.example\.test$'
	SOCKSIFY_FAKE_IPV6=off run preloaded getent hosts www.example.test
	assert_success
	assert_output --regexp '^198\.1[89]\.[0-9]+\.[0-9]+ +www\.example\.test$'
	run preloaded getent ahostsv4 www.example.test
	assert_success
	assert_output --regexp '^198\.1[89]\.'
}

# direct_hosts names reach the real resolver, which would query the
# machine's nameserver: tested in the lab (dns.bats), not here.
@test "getnameinfo with NI_NAMEREQD and no service buffer (the usual C call) gives the name" {
	cc -Wall -o "$BATS_TEST_TMPDIR/gni" "$REPO/tests/helpers/getnameinfo_c.c"
	run preloaded "$BATS_TEST_TMPDIR/gni" www.example.test
	assert_success
	assert_line "nullserv www.example.test"
	assert_line "serv www.example.test 80"
}

@test "localhost is not faked" {
	run preloaded python3 -c 'import socket; print(socket.getaddrinfo("localhost", 80, socket.AF_INET)[0][4][0])'
	assert_output "127.0.0.1"
}

@test "fake_range and fake_ipv6 are honoured" {
	SOCKSIFY_FAKE_RANGE="203.0.113.0/28,2001:db8:53::/120" run preloaded python3 -c '
import socket
print(socket.getaddrinfo("a.example.test", 80, socket.AF_INET)[0][4][0])
print(socket.getaddrinfo("a.example.test", 80, socket.AF_INET6)[0][4][0])'
	assert_success
	assert_line --index 0 "203.0.113.1"
	assert_line --index 1 "2001:db8:53::1"
	SOCKSIFY_FAKE_IPV6=off run preloaded python3 -c '
import socket
try:
    socket.getaddrinfo("a.example.test", 80, socket.AF_INET6)
    print("resolved")
except socket.gaierror as e:
    print("gaierror", e.errno == socket.EAI_NONAME)
print(socket.getaddrinfo("a.example.test", 80, socket.AF_INET6, 0, 0, socket.AI_V4MAPPED)[0][4][0])'
	assert_success
	assert_line --index 0 "gaierror True"
	assert_line --index 1 --regexp '^::ffff:198\.1[89]\.'
}

@test "a full range with every entry recent gives EAI_AGAIN and one line" {
	SOCKSIFY_FAKE_RANGE="203.0.113.0/30" run --separate-stderr preloaded python3 -c '
import socket
for n in ("one", "two", "three"):
    try:
        print(n, socket.getaddrinfo(n + ".example.test", 80, socket.AF_INET)[0][4][0])
    except socket.gaierror as e:
        print(n, "EAI_AGAIN" if e.errno == socket.EAI_AGAIN else e.errno)'
	assert_success
	assert_line --index 0 "one 203.0.113.1"
	assert_line --index 1 "two 203.0.113.2"
	assert_line --index 2 "three EAI_AGAIN"
	[ "$(grep -c '^socksify: ' <<<"$stderr")" -eq 1 ]
}

@test "names are shared across fork: a child's name is known to the parent" {
	run preloaded python3 -c '
import os, socket
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(w, socket.getaddrinfo("child.example.test", 80, socket.AF_INET)[0][4][0].encode())
    os._exit(0)
os.waitpid(pid, 0)
ip = os.read(r, 64).decode()
print(socket.getnameinfo((ip, 80), socket.NI_NAMEREQD)[0])
print(socket.getaddrinfo("child.example.test", 80, socket.AF_INET)[0][4][0] == ip)'
	assert_success
	assert_line --index 0 "child.example.test"
	assert_line --index 1 "True"
}

@test "getaddrinfo_a answers at once and gai_error reads the result" {
	cat >"$BATS_TEST_TMPDIR/gaia.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct gaicb a = { .ar_name = "async.example.test", .ar_request = &hints };
	struct gaicb b = { .ar_name = "a..b", .ar_request = &hints };
	struct gaicb *list[] = { &a, &b };
	char text[64];
	if (getaddrinfo_a(GAI_WAIT, list, 2, NULL) != 0)
		return 1;
	if (gai_error(&a) != 0 || gai_error(&b) != EAI_NONAME)
		return 2;
	inet_ntop(AF_INET, &((struct sockaddr_in *)a.ar_result->ai_addr)->sin_addr, text, sizeof(text));
	printf("%s\n", text);
	freeaddrinfo(a.ar_result);
	return 0;
}
C
	cc -o "$BATS_TEST_TMPDIR/gaia" "$BATS_TEST_TMPDIR/gaia.c"
	run preloaded "$BATS_TEST_TMPDIR/gaia"
	assert_success
	assert_output --regexp '^198\.1[89]\.'
}

@test "gethostbyname_r with a small buffer gives ERANGE, then works" {
	cat >"$BATS_TEST_TMPDIR/ghr.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
int main(void)
{
	struct hostent he, *res;
	char small[8], big[1024], text[64];
	int err;
	if (gethostbyname_r("r.example.test", &he, small, sizeof(small), &res, &err) != ERANGE || res)
		return 1;
	if (gethostbyname2_r("r.example.test", AF_INET6, &he, big, sizeof(big), &res, &err) != 0 || !res)
		return 2;
	inet_ntop(AF_INET6, res->h_addr_list[0], text, sizeof(text));
	printf("%s %s %d\n", res->h_name, text, res->h_aliases[0] == NULL);
	if (gethostbyname_r("bad..name", &he, big, sizeof(big), &res, &err) != 0 || res || err != HOST_NOT_FOUND)
		return 3;
	return 0;
}
C
	cc -o "$BATS_TEST_TMPDIR/ghr" "$BATS_TEST_TMPDIR/ghr.c"
	run preloaded "$BATS_TEST_TMPDIR/ghr"
	assert_success
	assert_output --regexp '^r\.example\.test fd53:6b73:6679::[0-9a-f]+ 1$'
}

@test "res_query is answered from the same table: A, AAAA, PTR; other types refused with one line" {
	cc -o "$BATS_TEST_TMPDIR/resq" "$REPO/tests/helpers/res_query.c" -lresolv
	local ph4 ph6
	ph4=$(preloaded python3 -c 'import socket; print(socket.getaddrinfo("mail.example.test", 25, socket.AF_INET)[0][4][0])')
	run preloaded "$BATS_TEST_TMPDIR/resq" mail.example.test 1
	assert_success
	assert_output "A $ph4"
	run preloaded "$BATS_TEST_TMPDIR/resq" MAIL.example.test. 28
	assert_success
	assert_output --regexp '^AAAA fd53:6b73:6679::[0-9a-f]+$'
	local rev
	rev=$(python3 -c 'import sys; print(".".join(reversed(sys.argv[1].split("."))) + ".in-addr.arpa")' "$ph4")
	# one process: a table is shared with forked children, not across exec
	run preloaded "$BATS_TEST_TMPDIR/resq" mail.example.test 1 "$rev" 12
	assert_success
	assert_line --index 1 "PTR mail.example.test"
	# NOERROR without an answer: res_query says NO_DATA (4)
	SOCKSIFY_FAKE_IPV6=off run preloaded "$BATS_TEST_TMPDIR/resq" mail.example.test 28
	assert_failure
	assert_output "ERR 4"
	run --separate-stderr preloaded "$BATS_TEST_TMPDIR/resq" mail.example.test 15
	assert_failure
	assert_output "ERR 3"
	[ "$(grep -c '^socksify: .*refused' <<<"$stderr")" -eq 1 ]
}
