#!/usr/bin/env bats
# Fake DNS through the socksify wrapper ($SOCKSIFY, default build/socksify):
# real programs in the lab's client namespace, which has no working DNS at
# all (its nameservers, 198.51.100.53 and the loopback stub 127.0.0.53,
# never answer, and every packet to them is a counted leak), reach the lab's
# test names (www/echo/v4only/v6only.example.test) because the library hands
# out placeholders (198.18.0.0/15, fd53:6b73:6679::/64) and the PROXY
# resolves the name (SOCKS5 CONNECT with ATYP 3). After every test the
# client's leak counters are 0: no packet left except to the proxy, and in
# particular no DNS packet.

load lab_suite

# the default placeholder ranges (DESIGN.md, "Fake DNS")
FAKE4_RE='198\.1[89]\.[0-9]{1,3}\.[0-9]{1,3}'
FAKE6_RE='fd53:6b73:6679:[0-9a-f:]+'

# Python prelude: ph4/ph6 tell placeholders; gai(name, ...) -> addresses.
PY_PRE='
import errno, ipaddress, os, socket, sys
R4 = ipaddress.ip_network("198.18.0.0/15")
R6 = ipaddress.ip_network("fd53:6b73:6679::/64")
def ph4(a): return ipaddress.ip_address(a) in R4
def ph6(a): return ipaddress.ip_address(a) in R6
def gai(name, fam=socket.AF_INET, port=80, **kw):
    return sorted({ai[4][0] for ai in socket.getaddrinfo(name, port, fam, socket.SOCK_STREAM, **kw)})
def one(name, fam=socket.AF_INET):
    a = gai(name, fam)
    assert len(a) == 1, a
    return a[0]
'

# py [PREFIX...] -- CODE [ARGS...]: python3 -c PY_PRE+CODE, run through
# PREFIX (default sx; it cannot hold a "--").
py() {
	local pre=(sx)
	if [ "$1" != -- ]; then
		pre=()
		while [ "$1" != -- ]; do pre+=("$1"); shift; done
	fi
	shift
	local code=$1
	shift
	"${pre[@]}" timeout 20 "$PYTHON" -c "$PY_PRE$code" "$@"
}

# dante_count FILE REGEX: lines of FILE matching the extended REGEX.
# dante_wait_more FILE BEFORE REGEX: wait (3 s at most) until more than
# BEFORE lines match; print the count.
dante_count() {
	grep -cE -- "$2" "$1" || true
}
dante_wait_more() {
	local file=$1 before=$2 re=$3 _ now=0
	for _ in $(seq 60); do
		now=$(dante_count "$file" "$re")
		[ "$now" -gt "$before" ] && break
		sleep 0.05
	done
	echo "$now"
}

# ---------------------------------------------------------------- programs --

@test "curl http://www.example.test/ gets the marker through the proxy" {
	run sx curl -q -sS --max-time 10 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
}

@test "curl -4 by name gets the marker, also for a name the proxy reaches over IPv6 only" {
	run sx curl -q -sS --max-time 10 -4 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	# the placeholder's family does not limit the proxy
	run sx curl -q -sS --max-time 10 -4 "http://$V6ONLY_NAME/"
	assert_success
	assert_output --partial "$MARKER"
}

# Not tested: `curl -6 NAME`. curl 7.88 resolves with AF_UNSPEC even under
# -6 and keeps only the IPv6 answers, and AF_UNSPEC gets the IPv4
# placeholder only (DESIGN.md, issue 4): a documented limit.

@test "curl reaches v6only.example.test: the proxy resolves it and connects over IPv6" {
	local re="tcp/connect \[: username%$LAB_USER@198\.51\.100\.2\.[0-9]+ 198\.51\.100\.1\.$AUTH_PORT -> 2001:db8:2::1\.[0-9]+ 2001:db8:2::10\.$HTTP_PORT"
	local before now
	before=$(dante_count "$DANTE_LOG" "$re")
	run sx curl -q -sS --max-time 10 "http://$V6ONLY_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	now=$(dante_wait_more "$DANTE_LOG" "$before" "$re")
	[ "$now" -eq $((before + 1)) ] ||
		fail "expected one new danted connect to [$WORLD6]:$HTTP_PORT, got $((now - before)); log tail: $(tail -5 "$DANTE_LOG")"
}

@test "wget -qO- http://www.example.test/ gets the marker" {
	run sx wget --no-config -qO- --timeout=10 --tries=1 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
}

@test "python urllib.request.urlopen by name gets the marker" {
	run py -- '
import urllib.request
print(urllib.request.urlopen("http://%s/" % sys.argv[1], timeout=10).read().decode())
' "$WWW_NAME"
	assert_success
	assert_output --partial "$MARKER"
}

@test "python socket.create_connection by name: echo round trip, getpeername is the placeholder" {
	run py -- '
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
peer = s.getpeername()
msg = os.urandom(4096)
s.sendall(msg)
got = b""
while len(got) < len(msg):
    c = s.recv(65536)
    if not c: break
    got += c
print("echo", got == msg)
print("peer", peer[0], peer[1], ph4(peer[0]) or ph6(peer[0]))
' "$ECHO_NAME" "$ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line --regexp "^peer ($FAKE4_RE|$FAKE6_RE) $ECHO_PORT True\$"
}

@test "python asyncio.open_connection by name echoes" {
	run py -- '
import asyncio
async def main():
    r, w = await asyncio.wait_for(asyncio.open_connection(sys.argv[1], int(sys.argv[2])), 10)
    msg = os.urandom(65536)
    w.write(msg)
    await w.drain()
    got = await asyncio.wait_for(r.readexactly(len(msg)), 10)
    w.close()
    await w.wait_closed()
    print("echo", got == msg)
asyncio.run(main())
' "$ECHO_NAME" "$ECHO_PORT"
	assert_success
	assert_output "echo True"
}

@test "the python clients of helpers/netclient.py echo by name (blocking, raw non-blocking, both families)" {
	local nc=(timeout 20 "$PYTHON" "$HELPERS/netclient.py")
	run sx "${nc[@]}" echo "$ECHO_NAME" "$ECHO_PORT" --family 4
	assert_success
	assert_line "ok 65536"
	run sx "${nc[@]}" echo "$ECHO_NAME" "$ECHO_PORT" --family 6
	assert_success
	assert_line "ok 65536"
	run sx "${nc[@]}" nbecho "$ECHO_NAME" "$ECHO_PORT" --family 4
	assert_success
	assert_line "ok 65536"
}

# ------------------------------------------------------------------ lookups --

@test "getaddrinfo: a 198.18.0.0/15 placeholder with port 80 (AF_INET, AF_UNSPEC); fd53:6b73:6679::/64 for AF_INET6" {
	run py -- '
for fam in (socket.AF_INET, socket.AF_UNSPEC):
    res = socket.getaddrinfo(sys.argv[1], "http", fam, socket.SOCK_STREAM)
    for f, t, p, canon, sa in res:
        print(fam.name, f.name, sa[0], sa[1], ph4(sa[0]))
res = socket.getaddrinfo(sys.argv[1], "http", socket.AF_INET6, socket.SOCK_STREAM)
for f, t, p, canon, sa in res:
    print("AF_INET6", f.name, sa[0], sa[1], ph6(sa[0]))
' "$WWW_NAME"
	assert_success
	assert_line --regexp "^AF_INET AF_INET $FAKE4_RE 80 True\$"
	# AF_UNSPEC gets the IPv4 placeholder only
	assert_line --regexp "^AF_UNSPEC AF_INET $FAKE4_RE 80 True\$"
	refute_line --regexp '^AF_UNSPEC AF_INET6'
	assert_line --regexp "^AF_INET6 AF_INET6 $FAKE6_RE 80 True\$"
	[ "${#lines[@]}" -eq 3 ] || fail "expected one entry per lookup: $output"
}

@test "the same name gives the same placeholder, different names different ones" {
	run py -- '
a1, a2 = one(sys.argv[1]), one(sys.argv[1])
b = one(sys.argv[2])
c = one(sys.argv[3])
a6, a6b, b6 = one(sys.argv[1], socket.AF_INET6), one(sys.argv[1], socket.AF_INET6), one(sys.argv[2], socket.AF_INET6)
print("same", a1 == a2, a6 == a6b)
print("different", len({a1, b, c}) == 3, a6 != b6)
print("all", all(ph4(x) for x in (a1, b, c)), ph6(a6) and ph6(b6))
' "$WWW_NAME" "$ECHO_NAME" "other-$RANDOM.example.test"
	assert_success
	assert_line "same True True"
	assert_line "different True True"
	assert_line "all True True"
}

@test "names are normalised: MIXED case and a trailing dot get the same placeholder" {
	run py -- '
base = one(sys.argv[1])
for v in (b"WWW.Example.TEST", b"www.example.test.", b"Www.EXAMPLE.test."):
    print(v.decode(), one(v) == base)
print("v6", one(b"WWW.EXAMPLE.TEST.", socket.AF_INET6) == one(sys.argv[1], socket.AF_INET6))
' "$WWW_NAME"
	assert_success
	assert_line "WWW.Example.TEST True"
	assert_line "www.example.test. True"
	assert_line "Www.EXAMPLE.test. True"
	assert_line "v6 True"
}

@test "socktype 0 and service names: the same entries libc gives for the placeholder itself" {
	run py -- '
def strip(res): return [(f, t, p, sa) for f, t, p, c, sa in res]
for fam in (socket.AF_INET, socket.AF_INET6):
    byname = socket.getaddrinfo(sys.argv[1], "http", fam)
    ph = byname[0][4][0]
    print(fam.name, "same", strip(byname) == strip(socket.getaddrinfo(ph, "http", fam)), len(byname))
' "$WWW_NAME"
	assert_success
	assert_line --regexp '^AF_INET same True [1-9]'
	assert_line --regexp '^AF_INET6 same True [1-9]'
}

@test "AI_CANONNAME gives the name; AI_NUMERICHOST and a passive NULL node never faked; AI_ADDRCONFIG no reason to fail" {
	run py -- '
res = socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
print("canon", res[0][3], ph4(res[0][4][0]))
res = socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET6, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
print("canon6", res[0][3], ph6(res[0][4][0]))
try:
    socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    print("numerichost resolved")
except socket.gaierror as e:
    print("numerichost", e.errno == socket.EAI_NONAME)
res = socket.getaddrinfo(None, 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
print("passive", res[0][4][0])
# with a name AI_PASSIVE is ignored (socat asks so for UDP clients)
res = socket.getaddrinfo(sys.argv[1], 7, 0, socket.SOCK_DGRAM, 17, socket.AI_PASSIVE)
print("passive name", all(ph4(r[4][0]) or ph6(r[4][0]) for r in res))
for fam in (socket.AF_UNSPEC, socket.AF_INET6):
    res = socket.getaddrinfo(sys.argv[1], 80, fam, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG)
    print("addrconfig", fam.name, all(ph4(r[4][0]) or ph6(r[4][0]) for r in res))
' "$WWW_NAME"
	assert_success
	assert_line "canon $WWW_NAME True"
	assert_line "canon6 $WWW_NAME True"
	assert_line "numerichost True"
	assert_line "passive 0.0.0.0"
	assert_line "passive name True"
	assert_line "addrconfig AF_UNSPEC True"
	assert_line "addrconfig AF_INET6 True"
}

@test "getent hosts / ahosts / ahostsv4 / ahostsv6 print placeholders and the name" {
	# `getent hosts` asks gethostbyname2(AF_INET6) first: with fake_ipv6 on
	# (the default) it prints the IPv6 placeholder
	run sx getent hosts "$WWW_NAME"
	assert_success
	assert_output --regexp "^$FAKE6_RE +$WWW_NAME\$"
	# with fake_ipv6 off the AF_INET6 query fails and the IPv4 one answers
	run in_client env SOCKSIFY_FAKE_IPV6=off timeout 30 "$SOCKSIFY" -p "socks5://$PROXY4:$AUTH_PORT" \
		-u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" -- getent hosts "$WWW_NAME"
	assert_success
	assert_output --regexp "^$FAKE4_RE +$WWW_NAME\$"
	# ahosts is AF_UNSPEC: the IPv4 placeholder only, canonical name first
	run sx getent ahosts "$WWW_NAME"
	assert_success
	assert_line --index 0 --regexp "^$FAKE4_RE +STREAM $WWW_NAME\$"
	refute_output --partial "fd53:"
	run sx getent ahostsv4 "$ECHO_NAME"
	assert_success
	assert_line --index 0 --regexp "^$FAKE4_RE +STREAM $ECHO_NAME\$"
	run sx getent ahostsv6 "$ECHO_NAME"
	assert_success
	assert_line --index 0 --regexp "^$FAKE6_RE +STREAM $ECHO_NAME\$"
}

@test "gethostbyname and gethostbyname_ex give the placeholder and the name" {
	run py -- '
a = socket.gethostbyname(sys.argv[1])
name, aliases, addrs = socket.gethostbyname_ex(sys.argv[1])
print("ghbn", ph4(a), a == one(sys.argv[1]))
print("ghbn_ex", name, addrs == [a])
' "$WWW_NAME"
	assert_success
	assert_line "ghbn True True"
	assert_line "ghbn_ex $WWW_NAME True"
}

@test "getnameinfo and gethostbyaddr map a placeholder back to its name" {
	run py -- '
for fam in (socket.AF_INET, socket.AF_INET6):
    a = one(sys.argv[1], fam)
    sa = (a, 80) if fam == socket.AF_INET else (a, 80, 0, 0)
    print(fam.name, "gni", *socket.getnameinfo(sa, 0))
    print(fam.name, "gni-namereqd", *socket.getnameinfo(sa, socket.NI_NAMEREQD))
    print(fam.name, "gni-numeric", socket.getnameinfo(sa, socket.NI_NUMERICHOST)[0] == a)
    print(fam.name, "ghba", socket.gethostbyaddr(a)[0])
' "$WWW_NAME"
	assert_success
	assert_line "AF_INET gni $WWW_NAME http"
	assert_line "AF_INET gni-namereqd $WWW_NAME http"
	assert_line "AF_INET gni-numeric True"
	assert_line "AF_INET ghba $WWW_NAME"
	assert_line "AF_INET6 gni $WWW_NAME http"
	assert_line "AF_INET6 ghba $WWW_NAME"
}

@test "getnameinfo of a non-placeholder address answers numerically, without a PTR query" {
	run py -- '
print("gni", *socket.getnameinfo((sys.argv[1], 80), 0))
try:
    socket.getnameinfo((sys.argv[1], 80), socket.NI_NAMEREQD)
    print("namereqd resolved")
except socket.gaierror as e:
    print("namereqd", e.errno == socket.EAI_NONAME)
' "$WORLD4"
	assert_success
	assert_line "gni $WORLD4 http"
	assert_line "namereqd True"
}

@test "IP literals are not faked" {
	run py -- '
print(gai(sys.argv[1]), gai(sys.argv[2], socket.AF_INET6), gai(sys.argv[1], socket.AF_UNSPEC))
print(socket.gethostbyname(sys.argv[1]))
' "$WORLD4" "$WORLD6"
	assert_success
	assert_line "['$WORLD4'] ['$WORLD6'] ['$WORLD4']"
	assert_line "$WORLD4"
}

@test "localhost resolves to 127.0.0.1, not to a placeholder" {
	run py -- '
print("gai", gai("localhost"))
print("ghbn", socket.gethostbyname("localhost"))
'
	assert_success
	assert_line "gai ['127.0.0.1']"
	assert_line "ghbn 127.0.0.1"
}

@test "the machine's hostname resolves from /etc/hosts, not to a placeholder" {
	run py -- '
print("gai", gai(sys.argv[1]))
print("ghbn", socket.gethostbyname(sys.argv[1]))
' "$CLIENT_HOSTNAME"
	assert_success
	assert_line "gai ['127.0.1.1']"
	assert_line "ghbn 127.0.1.1"
}

# /etc/hosts has only an IPv4 entry for the hostname (as on a stock Debian
# host): libc's own AF_INET6 lookup of it would go on to the nameservers.
@test "an AF_INET6 lookup of the machine's hostname sends no DNS packet" {
	run py -- '
try:
    print("gai6", gai(sys.argv[1], socket.AF_INET6))
except socket.gaierror as e:
    print("gai6 error", e.errno)
' "$CLIENT_HOSTNAME"
	assert_success
	refute_output --regexp "$FAKE6_RE"
}

@test "a name over 255 bytes or with an empty label fails with EAI_NONAME" {
	run py -- '
long = b".".join([b"a" * 63] * 5)          # 319 bytes
for name in (long, b"a..b", b"..", b"www..example.test"):
    try:
        print(name[:12].decode(), "resolved", gai(name))
    except socket.gaierror as e:
        print(name[:12].decode(), "noname" if e.errno == socket.EAI_NONAME else "errno %d" % e.errno)
'
	assert_success
	assert_line "aaaaaaaaaaaa noname"
	assert_line "a..b noname"
	assert_line ".. noname"
	assert_line "www..example noname"
}

@test "a name the proxy cannot resolve: a placeholder, then a refused connect; never the local resolver" {
	run py -- '
print("placeholder", ph4(one(sys.argv[1])))
try:
    socket.create_connection((sys.argv[1], 80), timeout=10)
    print("connected")
except OSError as e:
    print("connect", errno.errorcode.get(e.errno, e.errno))
' "$NX_NAME"
	assert_success
	assert_line "placeholder True"
	assert_line --regexp '^connect E[A-Z]+$'
	run dante_log_wait "$DANTE_LOG" "could not resolve hostname \"$NX_NAME\""
	assert_success
}

@test "a placeholder the table never issued: connect fails, one line says so" {
	local a fam
	for a in 198.18.200.200 fd53:6b73:6679::c8:c8; do
		fam=AF_INET
		[[ "$a" != *:* ]] || fam=AF_INET6
		run --separate-stderr py -- '
s = socket.socket(getattr(socket, sys.argv[2]), socket.SOCK_STREAM)
s.settimeout(10)
try:
    s.connect((sys.argv[1], 80))
    print("connected")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
' "$a" "$fam"
		assert_success
		assert_output --regexp '^E[A-Z]+$'
		[ "$output" = ECONNREFUSED ] ||
			echo "# note: an unknown placeholder $a gave $output, not ECONNREFUSED" >&3
		# shellcheck disable=SC2154 # set by run --separate-stderr
		[ "$(grep -c . <<<"$stderr")" -eq 1 ] ||
			fail "expected exactly one stderr line for $a, got: $stderr"
		[[ "$stderr" == "socksify: "*"$a"*placeholder* ]] ||
			fail "the line does not name $a as a placeholder: $stderr"
	done
}

@test "a placeholder resolved in a forked child is connectable from the parent" {
	run py -- '
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(w, one(sys.argv[1]).encode())
    os._exit(0)
os.waitpid(pid, 0)
child = os.read(r, 100).decode()
print("same", child == one(sys.argv[1]), ph4(child))
s = socket.create_connection((child, int(sys.argv[2])), timeout=10)
s.sendall(b"forked\n")
print("echo", s.recv(100).decode().strip())
' "$ECHO_NAME" "$ECHO_PORT"
	assert_success
	assert_line "same True True"
	assert_line "echo forked"
}

# ------------------------------------------------------------- the proxy ---

@test "the proxy receives the NAME (ATYP 3), never a placeholder address" {
	local re="request received from client 198\.51\.100\.2\.[0-9]+\..* ATYP: 3 address: $WWW_NAME\.$HTTP_PORT"
	local before now
	before=$(dante_count "$DANTE_DEBUG_LOG" "$re")
	run sx_debug curl -q -sS --max-time 10 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	# and from an AF_INET6 socket to the IPv6 placeholder
	run py sx_debug -- '
a = one(sys.argv[1], socket.AF_INET6)
s = socket.create_connection((a, 80), timeout=10)
s.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % sys.argv[1].encode())
body = b""
while True:
    c = s.recv(65536)
    if not c: break
    body += c
print("ph6", ph6(a), ph6(s.getpeername()[0]))
print("marker", sys.argv[2].encode() in body)
' "$WWW_NAME" "$MARKER"
	assert_success
	assert_line "ph6 True True"
	assert_line "marker True"
	now=$(dante_wait_more "$DANTE_DEBUG_LOG" "$((before + 1))" "$re")
	[ "$now" -eq $((before + 2)) ] ||
		fail "expected 2 new ATYP 3 requests for $WWW_NAME, got $((now - before))"
	run grep -E "ATYP: [14] address: ($FAKE4_RE|$FAKE6_RE)" "$DANTE_DEBUG_LOG"
	assert_failure
}

@test "no request to any lab proxy so far carried a placeholder address" {
	local f
	for f in "$DANTE_LOG" "$DANTE_NOAUTH_LOG" "$DANTE_DEBUG_LOG"; do
		run grep -E -- "($FAKE4_RE|$FAKE6_RE)\.[0-9]+" "$f"
		assert_failure
	done
}

# ------------------------------------------------------------ direct_hosts --

@test "direct_hosts: the real resolver is asked (and fails here, counted as a DNS leak)" {
	run in_client env SOCKSIFY_DIRECT_HOSTS="$WWW_NAME" timeout 30 "$SOCKSIFY" \
		-p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" -- \
		timeout 20 "$PYTHON" -c "$PY_PRE"'
try:
    print("resolved", gai(sys.argv[1]))
except socket.gaierror as e:
    print("gaierror", e.errno)
print("other", ph4(one(sys.argv[2])))
' "$WWW_NAME" "$ECHO_NAME"
	local n d
	n=$(leaks)
	d=$(dns_leaks)
	reset_leaks
	assert_success
	assert_line --regexp '^gaierror -[0-9]+$'
	assert_line "other True"
	[ "$d" -gt 0 ] || fail "the direct name was not looked up through the local resolver (dns leaks: $d)"
	[ "$n" -eq "$d" ] || fail "$((n - d)) leak(s) that are not DNS"
	# a pattern, and a name it does not match
	run in_client env SOCKSIFY_DIRECT_HOSTS='*.example.test' timeout 30 "$SOCKSIFY" \
		-p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" -- \
		timeout 20 "$PYTHON" -c "$PY_PRE"'
try:
    print("resolved", gai(sys.argv[1]))
except socket.gaierror as e:
    print("gaierror", e.errno)
print("other", ph4(one(sys.argv[2])))
' "$V4ONLY_NAME" "www.example.invalid"
	d=$(dns_leaks)
	reset_leaks
	assert_success
	assert_line --regexp '^gaierror -[0-9]+$'
	assert_line "other True"
	[ "$d" -gt 0 ] || fail "the pattern's name was not looked up through the local resolver"
}

# ----------------------------------------------------------------- nobody --

@test "as nobody: the copies are readable by nobody, the checkout need not be" {
	# shellcheck disable=SC2016 # expanded by that sh
	run in_client setpriv --reuid=nobody --regid=nogroup --clear-groups \
		sh -c 'test -x "$1/socksify" && test -r "$1/libsocksify.so" && test -r "$1/password" &&
			test ! -w "$1/socksify" && cat "$1/password" >/dev/null' sh "$NOBODY_DIR"
	assert_success
	assert_equal "$(stat -c '%U %a' "$NOBODY_DIR/password")" "nobody 600"
}

@test "as nobody: curl, wget, getent and python reach and resolve the names" {
	run sx_nobody curl -q -sS --max-time 10 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	run sx_nobody curl -q -sS --max-time 10 "http://$V6ONLY_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	run sx_nobody wget --no-config -qO- --timeout=10 --tries=1 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	run sx_nobody getent ahosts "$WWW_NAME"
	assert_success
	assert_line --index 0 --regexp "^$FAKE4_RE +STREAM $WWW_NAME\$"
	run py sx_nobody -- '
import asyncio, urllib.request
print("uid", os.getuid())
print("urllib", sys.argv[3] in urllib.request.urlopen("http://%s/" % sys.argv[1], timeout=10).read().decode())
s = socket.create_connection((sys.argv[2], 7), timeout=10)
s.sendall(b"nobody\n")
print("echo", s.recv(100).decode().strip())
async def main():
    r, w = await asyncio.open_connection(sys.argv[2], 7)
    w.write(b"async\n")
    print("aecho", (await r.readline()).decode().strip())
    w.close()
asyncio.run(main())
a = one(sys.argv[1])
print("gni", socket.getnameinfo((a, 80), 0)[0])
' "$WWW_NAME" "$ECHO_NAME" "$MARKER"
	assert_success
	assert_line "uid 65534"
	assert_line "urllib True"
	assert_line "echo nobody"
	assert_line "aecho async"
	assert_line "gni $WWW_NAME"
}

# A name the local resolver answers (a responder on the proxy host's port 53,
# which the client may reach, named in a resolv.conf bind-mounted for this
# one command): with direct_hosts it is connected DIRECTLY, which in the lab
# means a TCP packet the nftables chain rejects (ECONNREFUSED) and counts,
# and nothing for that name reaches the proxy.
@test "direct_hosts: the real resolver's address is connected directly, not through the proxy" {
	local pidfile="$BATS_TEST_TMPDIR/dns.pid" out="$BATS_TEST_TMPDIR/dns.out"
	echo "nameserver $PROXY4" >"$BATS_TEST_TMPDIR/resolv.conf"
	in_proxy setsid "$PYTHON" "$REPO/tests/helpers/dns_answer.py" "$PROXY4" 53 \
		"intranet.example.test=$WORLD4" >"$out" 2>&1 </dev/null &
	echo $! >"$pidfile"
	for _ in $(seq 50); do grep -q READY "$out" && break; sleep 0.1; done
	grep -q READY "$out" || fail "the test DNS responder did not start: $(cat "$out")"
	run in_client unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh \
		"$BATS_TEST_TMPDIR/resolv.conf" env SOCKSIFY_DIRECT_HOSTS=intranet.example.test \
		timeout 30 "$SOCKSIFY" -p "socks5://$PROXY4:$DEBUG_PORT" -- \
		timeout 20 "$PYTHON" -c '
import errno, socket
print("resolved", socket.getaddrinfo("intranet.example.test", 80, socket.AF_INET)[0][4][0])
try:
    socket.create_connection(("intranet.example.test", 80), timeout=5)
    print("connected")
except OSError as e:
    print("error", errno.errorcode.get(e.errno, e.errno))'
	kill "$(cat "$pidfile")" 2>/dev/null || true
	local n
	n=$(leaks)
	reset_leaks
	assert_success
	assert_line "resolved $WORLD4"
	assert_line "error ECONNREFUSED"
	[ "$n" -gt 0 ] || fail "no direct TCP packet: the connection did not go direct"
	run grep -c "intranet" "$DANTE_DEBUG_LOG"
	assert_output "0"
}
