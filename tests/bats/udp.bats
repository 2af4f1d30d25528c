#!/usr/bin/env bats
# UDP through the socksify wrapper ($SOCKSIFY, default build/socksify): real
# programs in the lab's client namespace send datagrams to the world's UDP
# echo server (port 7 of 203.0.113.10 and [2001:db8:2::10]) and DNS server
# (203.0.113.10:53), through danted's UDP relay (SOCKS5 UDP ASSOCIATE, RFC
# 1928 section 7) with username/password read from a file. Every test checks
# the bytes that came back, and after every test the client's leak counters
# are 0: no packet left the client except to the proxy (tests/bats/lab.bats
# shows the lab's relay working with a native SOCKS5 UDP client).

load lab_suite

# the default placeholder ranges (DESIGN.md, "Fake DNS")
FAKE4_RE='198\.1[89]\.[0-9]{1,3}\.[0-9]{1,3}'
FAKE6_RE='fd53:6b73:6679:[0-9a-f:]+'

HELPER_DIR="$REPO/tests/helpers"

setup_file() {
	lab_suite_up
	install -m 644 "$HELPER_DIR/udp_probe.py" "$NOBODY_DIR/udp_probe.py"
}

# sx6 CMD...: the same danted reached over IPv6.
sx6() {
	sxw -p "socks5://[$PROXY6]:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- "$@"
}

# sx_micro CMD...: through microsocks, which implements CONNECT only.
sx_micro() {
	sxw -p "socks5://$PROXY4:$MICROSOCKS_PORT" -- "$@"
}

# the python UDP clients (see tests/helpers/udp_probe.py)
PROBE=(timeout 20 "$PYTHON" "$HELPER_DIR/udp_probe.py")

# socat_udp PREFIX HOST MESSAGE: one line to the echo server with socat (a
# connected UDP socket; -t 1: wait a second for the answer after stdin's EOF).
socat_udp() {
	printf '%s\n' "$3" | "$1" timeout 10 socat -t 1 - "UDP:$2:$UDP_ECHO_PORT"
}

# ncat_udp PREFIX HOST MESSAGE: the same with `ncat -u` (connected UDP), which
# quits at stdin's EOF: stdin stays open a second for the answer to come.
ncat_udp() {
	{
		printf '%s\n' "$3"
		sleep 1
	} | "$1" timeout 10 ncat -u "$2" "$UDP_ECHO_PORT"
}

# build_helper NAME DIR [CFLAGS...]: cc tests/helpers/NAME.c -> DIR/NAME.
build_helper() {
	local name=$1 dir=$2
	shift 2
	cc "$@" -Wall -o "$dir/$name" "$HELPER_DIR/$name.c" ||
		fail "cannot build tests/helpers/$name.c"
}

# one_line_like REGEX: $stderr (of run --separate-stderr) is exactly one
# "socksify: " line, matching the extended, case-insensitive REGEX.
one_line_like() {
	# shellcheck disable=SC2154 # set by run --separate-stderr
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] ||
		fail "expected exactly one stderr line, got: $stderr"
	[[ "$stderr" == "socksify: "* ]] || fail "not a socksify line: $stderr"
	grep -qiE -- "$1" <<<"$stderr" || fail "the line does not match /$1/: $stderr"
}

# dante_count FILE REGEX: lines of FILE matching the extended REGEX.
dante_count() {
	grep -cE -- "$2" "$1" || true
}

# a new association in danted's log (the line at its start)
ASSOC_RE="udp/udpassociate \[: username%[^@]+@"

# ------------------------------------------------------------------ dig -----

@test "dig @world DNS server (its own UDP code) gets A and AAAA through the relay" {
	local before
	before=$(dante_count "$WORLD_DNS_LOG" "^dns $PROXY_EXT4 $WWW_NAME A -> NOERROR 1 answers")
	run --separate-stderr sx dig +short +tries=1 +time=3 "@$WORLD_DNS4" "$WWW_NAME" A
	assert_success
	assert_output "$WORLD4"
	# the world's server got the query from the proxy, not from the client
	[ "$(dante_count "$WORLD_DNS_LOG" "^dns $PROXY_EXT4 $WWW_NAME A -> NOERROR 1 answers")" -eq $((before + 1)) ] ||
		fail "the world's DNS server did not log one query from $PROXY_EXT4: $(tail -3 "$WORLD_DNS_LOG")"
	# an IPv6 server, an AAAA record: dig's IPv6 socket is IPv6-only, so it
	# reaches the proxy's IPv6 address; an IPv4-only proxy is one clear line
	run --separate-stderr in_client timeout 30 "$SOCKSIFY" -p "socks5://[$PROXY6]:$AUTH_PORT" \
		-u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" -- \
		dig +short +tries=1 +time=3 "@$WORLD_DNS6" "$WWW_NAME" AAAA
	assert_success
	assert_output "$WORLD6"
	run --separate-stderr sx dig +short +tries=1 +time=2 "@$WORLD_DNS6" "$WWW_NAME" AAAA
	assert_failure
	[ "$(grep -c "^socksify: cannot reach proxy $PROXY4:$AUTH_PORT from this socket (an IPv6-only socket" <<<"$stderr")" -eq 1 ] ||
		fail "expected one line naming the families, got: $stderr"
	# and an answer that is not an address: NXDOMAIN
	run --separate-stderr sx dig +tries=1 +time=3 "@$WORLD_DNS4" "$ECHO_NAME" A
	assert_success
	assert_output --partial "status: NXDOMAIN"
}

# --------------------------------------------------------------- python -----

@test "python sendto/recvfrom echo over IPv4; recvfrom reports 203.0.113.10:7" {
	run --separate-stderr sx "${PROBE[@]}" echo "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line "echo-from $WORLD4 $UDP_ECHO_PORT"
	assert_line "again True"
	assert_line "again-from $WORLD4 $UDP_ECHO_PORT"
}

@test "python sendto/recvfrom echo over IPv6; recvfrom reports [2001:db8:2::10]:7" {
	run --separate-stderr sx "${PROBE[@]}" echo "$WORLD6" "$UDP_ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line "echo-from $WORLD6 $UDP_ECHO_PORT"
	assert_line "again True"
}

@test "python AF_INET6 socket to the v4-mapped ::ffff:203.0.113.10 echoes, source in its family" {
	run --separate-stderr sx "${PROBE[@]}" echo "::ffff:$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line "echo-from ::ffff:$WORLD4 $UDP_ECHO_PORT"
}

@test "through the proxy's IPv6 address: AF_INET6 sockets echo to both families" {
	run --separate-stderr sx6 "${PROBE[@]}" echo "$WORLD6" "$UDP_ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line "echo-from $WORLD6 $UDP_ECHO_PORT"
	run --separate-stderr sx6 "${PROBE[@]}" echo "::ffff:$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line "echo-from ::ffff:$WORLD4 $UDP_ECHO_PORT"
}

@test "python sendmsg (2 iovecs) / recvmsg echo: one datagram, source 203.0.113.10:7" {
	run --separate-stderr sx "${PROBE[@]}" msg "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "sendmsg 340"
	assert_line "recvmsg True 340"
	assert_line "flags 0"
	assert_line "from $WORLD4 $UDP_ECHO_PORT"
}

@test "python connected UDP: send/recv, write/read, getpeername is the peer" {
	run --separate-stderr sx "${PROBE[@]}" connected "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "peer $WORLD4 $UDP_ECHO_PORT"
	assert_line "send/recv True"
	assert_line "write/read True"
	assert_line "recvfrom True $WORLD4 $UDP_ECHO_PORT"
	assert_line "sendmsg/recvmsg True $WORLD4 $UDP_ECHO_PORT"
	assert_line "peer-after $WORLD4 $UDP_ECHO_PORT"
	run --separate-stderr sx "${PROBE[@]}" connected "$WORLD6" "$UDP_ECHO_PORT"
	assert_success
	assert_line "peer $WORLD6 $UDP_ECHO_PORT"
	assert_line "send/recv True"
	assert_line "write/read True"
}

# ------------------------------------------------------ socat, ncat, C -------

@test "socat - UDP:203.0.113.10:7 echoes, and over IPv6" {
	run --separate-stderr socat_udp sx "$WORLD4" "socat-udp-4"
	assert_success
	assert_output "socat-udp-4"
	run --separate-stderr socat_udp sx "[$WORLD6]" "socat-udp-6"
	assert_success
	assert_output "socat-udp-6"
}

@test "ncat -u 203.0.113.10 7 (connected UDP) echoes, and over IPv6" {
	run --separate-stderr ncat_udp sx "$WORLD4" "ncat-udp-4"
	assert_success
	assert_output "ncat-udp-4"
	run --separate-stderr ncat_udp sx "$WORLD6" "ncat-udp-6"
	assert_success
	assert_output "ncat-udp-6"
}

@test "C sendmmsg (3 datagrams) / recvmmsg: all 3 echoed, from 203.0.113.10:7" {
	build_helper udp_mmsg "$BATS_TEST_TMPDIR" -O2
	run --separate-stderr sx timeout 20 "$BATS_TEST_TMPDIR/udp_mmsg" "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "sent 3"
	assert_line --regexp "^got 0 10 $WORLD4 $UDP_ECHO_PORT\$"
	assert_line --regexp "^got 2 1400 $WORLD4 $UDP_ECHO_PORT\$"
	assert_line "ok 3"
	run --separate-stderr sx timeout 20 "$BATS_TEST_TMPDIR/udp_mmsg" "$WORLD6" "$UDP_ECHO_PORT"
	assert_success
	assert_line "ok 3"
}

@test "C connected UDP: sendmmsg without addresses (as libuv sends) / recvmmsg" {
	build_helper udp_mmsg "$BATS_TEST_TMPDIR" -O2
	run --separate-stderr sx timeout 20 "$BATS_TEST_TMPDIR/udp_mmsg" "$WORLD4" "$UDP_ECHO_PORT" connect
	assert_success
	assert_line "sent 3"
	assert_line "ok 3"
}

# libuv 1.44 (Debian 12; dig, the other BIND tools and node use it) calls
# sendmmsg and recvmmsg through syscall(2), not through libc's wrappers.
@test "C sendmmsg/recvmmsg through syscall(2), as libuv calls them, connected or not" {
	build_helper udp_mmsg "$BATS_TEST_TMPDIR" -O2
	run --separate-stderr sx timeout 20 "$BATS_TEST_TMPDIR/udp_mmsg" "$WORLD4" "$UDP_ECHO_PORT" syscall
	assert_success
	assert_line "ok 3"
	run --separate-stderr sx timeout 20 "$BATS_TEST_TMPDIR/udp_mmsg" "$WORLD4" "$UDP_ECHO_PORT" connect syscall
	assert_success
	assert_line "ok 3"
}

@test "C built with -O2 -D_FORTIFY_SOURCE=2: __read_chk, __recv_chk, __recvfrom_chk echo" {
	build_helper udp_fortify "$BATS_TEST_TMPDIR" -O2 -D_FORTIFY_SOURCE=2
	run nm -u "$BATS_TEST_TMPDIR/udp_fortify"
	assert_success
	assert_line --regexp '^ +U __read_chk(@.*)?$'
	assert_line --regexp '^ +U __recv_chk(@.*)?$'
	assert_line --regexp '^ +U __recvfrom_chk(@.*)?$'
	run --separate-stderr sx timeout 20 "$BATS_TEST_TMPDIR/udp_fortify" "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "recvfrom ok $WORLD4 $UDP_ECHO_PORT"
	assert_line "read ok"
	assert_line "recv ok"
	assert_line "peer $WORLD4 $UDP_ECHO_PORT"
	assert_line "ok"
}

# ---------------------------------------------------------------- names -----

@test "UDP echo to a hostname: the placeholder goes out as the name, replies come from the placeholder" {
	local re="io_udp_client2target\(\): packet of length [0-9]+ \(payload length [0-9]+\) from client 198\.51\.100\.2\.[0-9]+ received on local address, .* for target $ECHO_NAME\.$UDP_ECHO_PORT"
	local before
	before=$(dante_count "$DANTE_DEBUG_LOG" "$re")
	run --separate-stderr sx_debug "${PROBE[@]}" name "$ECHO_NAME" "$UDP_ECHO_PORT" 4
	assert_success
	assert_line --regexp "^placeholder True $FAKE4_RE\$"
	assert_line "echo True"
	assert_line --regexp "^from-placeholder True $FAKE4_RE $UDP_ECHO_PORT\$"
	# the datagram carried the name (ATYP 3) to the relay
	[ "$(dante_count "$DANTE_DEBUG_LOG" "$re")" -gt "$before" ] ||
		fail "danted logged no datagram for target $ECHO_NAME.$UDP_ECHO_PORT"
	run grep -E "for target ($FAKE4_RE|$FAKE6_RE)\." "$DANTE_DEBUG_LOG"
	assert_failure
}

@test "UDP echo to a hostname from an AF_INET6 socket: the IPv6 placeholder" {
	run --separate-stderr sx "${PROBE[@]}" name "$ECHO_NAME" "$UDP_ECHO_PORT" 6
	assert_success
	assert_line --regexp "^placeholder True $FAKE6_RE\$"
	assert_line "echo True"
	assert_line --regexp "^from-placeholder True $FAKE6_RE $UDP_ECHO_PORT\$"
}

# ------------------------------------------------------- call semantics -----

@test "MSG_PEEK then a normal recv get the same datagram; MSG_DONTWAIT does not wait" {
	run --separate-stderr sx "${PROBE[@]}" peek "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "peek True $WORLD4 $UDP_ECHO_PORT"
	assert_line "recv True $WORLD4 $UDP_ECHO_PORT"
	assert_line "then empty"
}

@test "MSG_TRUNC: 100 bytes into a 10-byte buffer give 10 bytes and the MSG_TRUNC flag" {
	run --separate-stderr sx "${PROBE[@]}" trunc "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "recvfrom 10 True"
	assert_line "recvmsg 10 True MSG_TRUNC"
	# recv(MSG_TRUNC) returns the datagram's real length (udp(7))
	assert_line "recv_into-MSG_TRUNC 100 True"
}

@test "a 65507-byte datagram gets EMSGSIZE (too large with the header); 1200 bytes echo" {
	run --separate-stderr sx "${PROBE[@]}" size "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "65507 EMSGSIZE"
	assert_line "1200 True"
	assert_line "1200-from $WORLD4 $UDP_ECHO_PORT"
}

@test "non-blocking socket: EAGAIN before anything arrives, then select/poll/epoll readiness" {
	run --separate-stderr sx "${PROBE[@]}" nonblock "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "before EAGAIN"
	assert_line "select True True"
	assert_line "after EAGAIN"
	assert_line "poll True True"
	assert_line "epoll True True $WORLD4 $UDP_ECHO_PORT"
}

# ------------------------------------------------------ refusal, failure -----

@test "microsocks refuses UDP ASSOCIATE: sendto fails at once, one line, nothing sent directly" {
	run --separate-stderr sx_micro "${PROBE[@]}" refused "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line --regexp '^sendto0 E[A-Z0-9]+$'
	assert_line "sendto0 fast True"
	refute_line "recv got-data"
	one_line_like 'udp|associate'
	one_line_like 'refus|not support|reject|denied|REP'
	# a second send on the same socket fails too (and still goes nowhere)
	run --separate-stderr sx_micro "${PROBE[@]}" refused "$WORLD4" "$UDP_ECHO_PORT" 2
	assert_success
	assert_line --regexp '^sendto0 E[A-Z0-9]+$'
	assert_line --regexp '^sendto1 E[A-Z0-9]+$'
	assert_line "sendto1 fast True"
	run grep -vc '^socksify: ' <<<"$stderr"
	assert_output 0
}

@test "the control connection killed mid-way: the next sendto opens a new association" {
	local d="$BATS_TEST_TMPDIR/rebind" pid rc=0 killed before now _
	mkdir "$d"
	before=$(dante_count "$DANTE_LOG" "$ASSOC_RE")
	sx "${PROBE[@]}" rebind "$WORLD4" "$UDP_ECHO_PORT" "$d" >"$d/out" 2>"$d/err" 3>&- &
	pid=$!
	for _ in $(seq 200); do
		[ -e "$d/stage1" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	# in the proxy namespace: destroy danted's end of the client's TCP
	# connection to the proxy port (the kernel resets it both ways)
	killed=$(in_proxy ss -K -tnH state established "( sport = :$AUTH_PORT )" dst "$CLIENT4" || true)
	touch "$d/go"
	wait "$pid" || rc=$?
	output=$(cat "$d/out")
	mapfile -t lines <"$d/out"
	[ -e "$d/stage1" ] || fail "no first echo: $output $(cat "$d/err")"
	[ -n "$killed" ] || fail "ss -K found no control connection to kill"
	[ "$rc" -eq 0 ] || fail "exit $rc: $output $(cat "$d/err") (ss -K killed: $killed)"
	assert_line "first True"
	assert_line "second True"
	assert_line "second-from $WORLD4 $UDP_ECHO_PORT"
	now=$(dante_count "$DANTE_LOG" "$ASSOC_RE")
	[ "$now" -eq $((before + 2)) ] ||
		fail "expected 2 associations in danted's log, got $((now - before))"
}

# ------------------------------------------------------------- direct -------

@test "loopback UDP stays direct: a UDP echo on 127.0.0.1 and ::1 works, no association" {
	local before
	before=$(dante_count "$DANTE_LOG" "$ASSOC_RE")
	run --separate-stderr sx "${PROBE[@]}" loopback
	assert_success
	assert_line "loop4 True"
	assert_line --regexp '^loop4-from 127\.0\.0\.1 [0-9]+$'
	assert_line "loop4-connected True"
	assert_line "loop6 True"
	assert_line --regexp '^loop6-from ::1 [0-9]+$'
	assert_line "loop6-connected True"
	sleep 0.2
	assert_equal "$(dante_count "$DANTE_LOG" "$ASSOC_RE")" "$before"
}

@test "broadcast (255.255.255.255, SO_BROADCAST) gets EPERM and one line" {
	run --separate-stderr sx "${PROBE[@]}" forbidden broadcast
	assert_success
	assert_output "broadcast EPERM"
	one_line_like 'broadcast|255\.255\.255\.255'
}

@test "multicast (239.1.2.3, ff0e::1:2:3) gets EPERM and one line" {
	run --separate-stderr sx "${PROBE[@]}" forbidden multicast
	assert_success
	assert_output "multicast EPERM"
	one_line_like 'multicast|239\.1\.2\.3'
	run --separate-stderr sx "${PROBE[@]}" forbidden multicast6
	assert_success
	assert_output "multicast6 EPERM"
	one_line_like 'multicast|ff0e::1:2:3'
}

@test "an ICMP ping socket (SOCK_DGRAM, IPPROTO_ICMP) gets EPERM and one line" {
	run --separate-stderr sx "${PROBE[@]}" forbidden icmp "$WORLD4"
	assert_success
	assert_output "icmp EPERM"
	one_line_like 'icmp|ping'
}

# ----------------------------------------------------------------- nobody --

@test "as nobody: dig, python, socat, ncat and the C programs echo through the relay" {
	build_helper udp_mmsg "$NOBODY_DIR" -O2
	build_helper udp_fortify "$NOBODY_DIR" -O2 -D_FORTIFY_SOURCE=2
	chmod 755 "$NOBODY_DIR/udp_mmsg" "$NOBODY_DIR/udp_fortify"
	run --separate-stderr sx_nobody id -un
	assert_output nobody
	run --separate-stderr sx_nobody timeout 20 "$PYTHON" "$NOBODY_DIR/udp_probe.py" echo "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line "echo-from $WORLD4 $UDP_ECHO_PORT"
	run --separate-stderr sx_nobody timeout 20 "$PYTHON" "$NOBODY_DIR/udp_probe.py" connected "$WORLD6" "$UDP_ECHO_PORT"
	assert_success
	assert_line "send/recv True"
	assert_line "peer $WORLD6 $UDP_ECHO_PORT"
	run --separate-stderr sx_nobody timeout 20 "$PYTHON" "$NOBODY_DIR/udp_probe.py" name "$ECHO_NAME" "$UDP_ECHO_PORT" 4
	assert_success
	assert_line "echo True"
	assert_line --regexp "^from-placeholder True $FAKE4_RE $UDP_ECHO_PORT\$"
	run --separate-stderr socat_udp sx_nobody "$WORLD4" "socat-nobody"
	assert_success
	assert_output "socat-nobody"
	run --separate-stderr ncat_udp sx_nobody "$WORLD4" "ncat-nobody"
	assert_success
	assert_output "ncat-nobody"
	run --separate-stderr sx_nobody timeout 20 "$NOBODY_DIR/udp_mmsg" "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "ok 3"
	run --separate-stderr sx_nobody timeout 20 "$NOBODY_DIR/udp_fortify" "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "ok"
	run --separate-stderr sx_nobody dig +short +tries=1 +time=3 "@$WORLD_DNS4" "$WWW_NAME" A
	assert_success
	assert_output "$WORLD4"
}

@test "UDP_SEGMENT (GSO) is refused with EIO, by setsockopt and by control message" {
	run sx timeout 20 "$PYTHON" -c '
import errno, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.setsockopt(socket.SOL_UDP, 103, 1200)
    print("setsockopt accepted")
except OSError as e:
    print("setsockopt", errno.errorcode[e.errno])
try:
    s.sendmsg([b"x" * 2400], [(socket.SOL_UDP, 103, struct.pack("=H", 1200))], 0, (sys.argv[1], int(sys.argv[2])))
    print("cmsg accepted")
except OSError as e:
    print("cmsg", errno.errorcode[e.errno])' "$WORLD4" "$UDP_ECHO_PORT"
	assert_success
	assert_line "setsockopt EIO"
	assert_line "cmsg EIO"
}
