#!/usr/bin/env python3
"""Resolver semantics under socksify's fake DNS, checked from a real program.

Run under LD_PRELOAD=libsocksify.so with a proxy configured (it is never
contacted). Prints one line per failed check and "checked N" at the end;
exits 1 if anything failed.
"""
import itertools
import socket
import sys

NAME = sys.argv[1] if len(sys.argv) > 1 else "www.example.test"
failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL", what)


def placeholder(family=socket.AF_INET):
    return socket.getaddrinfo(NAME, None, family, socket.SOCK_STREAM)[0][4][0]


def strip_canon(res):
    return [(f, t, p, a) for f, t, p, _c, a in res]


def same_as_libc(family, socktype, proto, flags, service):
    """getaddrinfo(name) must equal libc's answer for the placeholder itself."""
    args = (family, socktype, proto, flags)
    try:
        got = socket.getaddrinfo(NAME, service, *args)
    except socket.gaierror as e:
        got = ("error", e.errno)
    if family == socket.AF_INET6:
        ip = placeholder(socket.AF_INET6)
    else:
        ip = placeholder(socket.AF_INET)
    try:
        want = socket.getaddrinfo(ip, service, family, socktype, proto,
                                  (flags | socket.AI_NUMERICHOST) & ~socket.AI_CANONNAME)
    except socket.gaierror as e:
        want = ("error", e.errno)
    if isinstance(got, list) and isinstance(want, list):
        got, want = strip_canon(got), strip_canon(want)
    check(got == want, "hints %r service %r: got %r, libc gives %r" % (args, service, got, want))


families = [socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6]
socktypes = [0, socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_RAW]
protos = [0, socket.IPPROTO_TCP, socket.IPPROTO_UDP]
flag_sets = [0, socket.AI_CANONNAME, socket.AI_ADDRCONFIG, socket.AI_V4MAPPED,
             socket.AI_V4MAPPED | socket.AI_ALL, socket.AI_NUMERICSERV,
             socket.AI_ADDRCONFIG | socket.AI_CANONNAME]
services = [None, "80", "http", "domain", "no-such-service"]
for args in itertools.product(families, socktypes, protos, flag_sets, services):
    same_as_libc(*args)

# the placeholder ranges and stability
p4, p6 = placeholder(), placeholder(socket.AF_INET6)
check(p4.startswith("198.18.") or p4.startswith("198.19."), "IPv4 placeholder %s in 198.18.0.0/15" % p4)
check(p6.startswith("fd53:6b73:6679:"), "IPv6 placeholder %s in fd53:6b73:6679::/64" % p6)
check(placeholder() == p4, "the same name gives the same placeholder")
check(socket.getaddrinfo(NAME.upper() + ".", 80, socket.AF_INET)[0][4][0] == p4,
      "case and one trailing dot are normalised")
other = socket.getaddrinfo("other-" + NAME, 80, socket.AF_INET)[0][4][0]
check(other != p4, "different names, different placeholders")
check(socket.getaddrinfo(NAME, 80)[0][0] == socket.AF_INET, "AF_UNSPEC gets the IPv4 placeholder only")
check(len({a[4][0] for a in socket.getaddrinfo(NAME, 80)}) == 1, "AF_UNSPEC: one address")

# canonical name
canon = socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)[0][3]
check(canon == NAME, "AI_CANONNAME gives the name, got %r" % canon)

# never faked: numeric, passive, NULL node, AI_NUMERICHOST, localhost
check(socket.getaddrinfo("203.0.113.7", 80, socket.AF_INET)[0][4][0] == "203.0.113.7", "IPv4 literal kept")
check(socket.getaddrinfo("2001:db8::7", 80, socket.AF_INET6)[0][4][0] == "2001:db8::7", "IPv6 literal kept")
check(socket.getaddrinfo(None, 80, socket.AF_INET, 0, 0, socket.AI_PASSIVE)[0][4][0] == "0.0.0.0",
      "NULL node with AI_PASSIVE is libc's")
check(socket.getaddrinfo(None, 80, socket.AF_INET)[0][4][0] == "127.0.0.1", "NULL node is libc's")
try:
    socket.getaddrinfo(NAME, 80, 0, 0, 0, socket.AI_NUMERICHOST)
    check(False, "AI_NUMERICHOST with a name must fail")
except socket.gaierror as e:
    check(e.errno == socket.EAI_NONAME, "AI_NUMERICHOST with a name: EAI_NONAME, got %r" % e)
check(socket.getaddrinfo("localhost", 80, socket.AF_INET)[0][4][0] == "127.0.0.1", "localhost not faked")

# invalid names (bytes: Python's idna codec would refuse them before libc)
for bad in [b"a" * 256, b".".join([b"a" * 63] * 4) + b".b", b"a..b", b".a", b"a.b..", b""]:
    try:
        socket.getaddrinfo(bad, 80, socket.AF_INET)
        check(False, "invalid name %r must fail" % bad[:20])
    except socket.gaierror as e:
        check(e.errno == socket.EAI_NONAME, "invalid name %r: EAI_NONAME, got %r" % (bad[:20], e))
check(socket.getaddrinfo(b".".join([b"a" * 63] * 4), 80, socket.AF_INET)[0][4][0].startswith("198.1"),
      "a valid name of 255 bytes is faked")

# reverse lookups
check(socket.getnameinfo((p4, 80), 0) == (NAME, "http"), "getnameinfo of the placeholder gives the name")
check(socket.getnameinfo((p4, 80), socket.NI_NUMERICHOST) == (p4, "http"), "NI_NUMERICHOST stays numeric")
check(socket.getnameinfo((p6, 443), socket.NI_NUMERICSERV)[0] == NAME, "getnameinfo of the IPv6 placeholder")
check(socket.gethostbyaddr(p4)[0] == NAME, "gethostbyaddr of the placeholder")
check(socket.getnameinfo(("203.0.113.99", 80), 0) == ("203.0.113.99", "http"),
      "other addresses answered numerically, never by PTR")
try:
    socket.getnameinfo(("203.0.113.99", 80), socket.NI_NAMEREQD)
    check(False, "NI_NAMEREQD without a name must fail")
except socket.gaierror as e:
    check(e.errno == socket.EAI_NONAME, "NI_NAMEREQD: EAI_NONAME, got %r" % e)
try:
    socket.gethostbyaddr("203.0.113.99")
    check(False, "gethostbyaddr of an unknown address must fail")
except socket.herror:
    check(True, "")

# gethostbyname family
check(socket.gethostbyname(NAME) == p4, "gethostbyname gives the placeholder")
hn = socket.gethostbyname_ex(NAME)
check(hn == (NAME, [], [p4]), "gethostbyname_ex: %r" % (hn,))

print("checked %d" % checked)
sys.exit(1 if failures else 0)
