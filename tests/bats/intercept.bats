#!/usr/bin/env bats
# DNS from programs' own resolvers (issue 6; DESIGN.md, "DNS from programs'
# own resolvers"): dig, host, Node.js (c-ares), a python raw-socket client and
# a C program calling res_query send their DNS queries themselves to the
# nameservers of /etc/resolv.conf. In the lab's client namespace nobody
# answers those nameservers (198.51.100.53, LAN-style, and the loopback stub
# 127.0.0.53), and every packet to them -- loopback port 53 included -- is a
# counted leak. socksify answers the queries itself: A and AAAA with the
# fake-DNS placeholders getaddrinfo gives, PTR of a placeholder with its
# name, other types forwarded to dns_upstream (the world's DNS server,
# scripts/lab/dns.py, which logs each query with its transport) through the
# proxy -- by UDP ASSOCIATE through danted, as DNS over TCP through CONNECT
# with microsocks -- or REFUSED with one line naming dns_upstream when none
# is configured. Clients run as nobody; after every test the leak counters
# are 0 (the tests that leak on purpose check the counter and reset it).

load lab_suite

# the default placeholder ranges (DESIGN.md, "Fake DNS")
FAKE4_RE='198\.1[89]\.[0-9]{1,3}\.[0-9]{1,3}'
FAKE6_RE='fd53:6b73:6679:[0-9a-f:]+'

# the world DNS server's records beside WWW_NAME's A/AAAA (scripts/lab.sh)
MX_NAME=example.test
MX_RECORD="10 mail.example.test"
TXT_NAME=example.test
TXT_TEXT=socksify-upstream-ok

HELPER_DIR="$REPO/tests/helpers"

# every dig here: one try, a short timeout (an unanswered query fails fast)
DIG=(dig +time=2 +tries=1)

setup_file() {
	lab_suite_up
	# nobody's copies of the helpers (the checkout may not be readable)
	install -m 644 "$HELPER_DIR/dns_query.py" "$NOBODY_DIR/dns_query.py"
	install -m 644 "$HELPER_DIR/resolve4.js" "$NOBODY_DIR/resolve4.js"
	cc -Wall -o "$NOBODY_DIR/res_query" "$HELPER_DIR/res_query.c" -lresolv ||
		lab_fail "cannot build tests/helpers/res_query.c" || return 1
	chmod 755 "$NOBODY_DIR/res_query"
	# resolv.conf variants, bind-mounted over /etc/resolv.conf for one command
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$CLIENT_DNS_STUB" >"$NOBODY_DIR/resolv-stub.conf"
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$CLIENT_DNS4" >"$NOBODY_DIR/resolv-lan.conf"
	chmod 644 "$NOBODY_DIR"/resolv-*.conf
}

setup() {
	reset_leaks
	# the helpers, run by nobody
	QUERY=(timeout 20 "$PYTHON" "$NOBODY_DIR/dns_query.py")
	NODE=(timeout 20 node "$NOBODY_DIR/resolve4.js")
}

teardown() {
	assert_no_leaks_at_all
}

# nb [--micro] [--resolv FILE] [VAR=VALUE...] -- CMD...: CMD as nobody in the
# client namespace, through the wrapper copies in NOBODY_DIR (as sx_nobody),
# with the VAR=VALUE settings in its environment. --micro: through microsocks
# (no authentication, CONNECT only) instead of the authenticating danted.
# --resolv FILE: FILE bind-mounted over /etc/resolv.conf in a private mount
# namespace (dig and c-ares read that path).
nb() {
	local proxy=(-p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" --password-file "$NOBODY_DIR/password")
	local resolv="" envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case "$1" in
		--micro) proxy=(-p "socks5://$PROXY4:$MICROSOCKS_PORT") ;;
		--resolv) resolv=$2 && shift ;;
		*=*) envs+=("$1") ;;
		*) echo "nb: unknown option $1" >&2 && return 2 ;;
		esac
		shift
	done
	shift
	local cmd=(timeout 30 setpriv --reuid=nobody --regid=nogroup --clear-groups
		env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg" "${envs[@]}"
		"$NOBODY_DIR/socksify" "${proxy[@]}" -- "$@")
	if [ -n "$resolv" ]; then
		# shellcheck disable=SC2016 # expanded by that sh
		in_client unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' \
			sh "$resolv" "${cmd[@]}"
	else
		in_client "${cmd[@]}"
	fi
}

# re_quote STRING: STRING (a name or an address: dots are its only special
# characters) as an extended regex matching itself.
re_quote() {
	printf '%s\n' "${1//./\\.}"
}

# world_count REGEX: lines of the world DNS server's log matching REGEX.
world_count() {
	grep -cE -- "$1" "$WORLD_DNS_LOG" || true
}

# world_wait_more BEFORE REGEX: wait (3 s at most) until more than BEFORE
# lines of the world DNS server's log match REGEX; print the count.
world_wait_more() {
	local before=$1 re=$2 _ now=0
	for _ in $(seq 60); do
		now=$(world_count "$re")
		[ "$now" -gt "$before" ] && break
		sleep 0.05
	done
	echo "$now"
}

# one_dns_upstream_line: $stderr (of run --separate-stderr) has exactly one
# line, a socksify line naming the dns_upstream setting.
one_dns_upstream_line() {
	# shellcheck disable=SC2154 # set by run --separate-stderr
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] ||
		fail "expected exactly one stderr line, got: $stderr"
	[[ "$stderr" == "socksify: "*dns_upstream* ]] ||
		fail "the line is not a socksify line naming dns_upstream: $stderr"
}

# ------------------------------------------------------------------ dig -----

@test "dig NAME (no @server) gets a 198.18.0.0/15 placeholder, the one getent ahosts gives in the same tree" {
	# Each exec starts a fresh table (sharing ends at exec): both programs
	# ask for the name first, so both get the first placeholder handed out;
	# "python: the same table as getaddrinfo" below checks one process.
	# shellcheck disable=SC2016 # expanded by that sh
	run --separate-stderr nb -- sh -c '"$@" +short "$0" A; echo ---; getent ahosts "$0"' \
		"$WWW_NAME" "${DIG[@]}"
	assert_success
	assert_line --index 0 --regexp "^$FAKE4_RE\$"
	assert_line --index 1 -- "---"
	local ph=${lines[0]}
	assert_line --index 2 --regexp "^$(re_quote "$ph") +STREAM $WWW_NAME\$"
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
}

@test "dig NAME: a faithful NOERROR reply from the nameserver it asked, short TTL, the world's server never asked" {
	local before
	before=$(world_count " $(re_quote "$WWW_NAME") A ")
	run --separate-stderr nb -- "${DIG[@]}" "$WWW_NAME"
	assert_success
	assert_output --partial "status: NOERROR"
	assert_line --regexp '^;; flags: qr rd ra; QUERY: 1, ANSWER: 1,'
	assert_line --regexp "^;$(re_quote "$WWW_NAME")\.[[:space:]]+IN[[:space:]]+A\$"
	assert_line --regexp "^$(re_quote "$WWW_NAME")\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+$FAKE4_RE\$"
	assert_line --partial ";; SERVER: $CLIENT_DNS4#53($CLIENT_DNS4) (UDP)"
	refute_output --partial "WARNING"
	local ttl
	ttl=$(awk -v n="$WWW_NAME." '$1 == n && $3 == "IN" && $4 == "A" { print $2 }' <<<"$output")
	[ -n "$ttl" ] && [ "$ttl" -le 300 ] || fail "the TTL is not short: '$ttl'"
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
	[ "$(world_count " $(re_quote "$WWW_NAME") A ")" -eq "$before" ] ||
		fail "the query reached the world's DNS server: $(tail -3 "$WORLD_DNS_LOG")"
}

@test "dig +tcp NAME gets the placeholder over TCP" {
	run --separate-stderr nb -- "${DIG[@]}" +tcp +short "$WWW_NAME" A
	assert_success
	assert_output --regexp "^$FAKE4_RE\$"
	run --separate-stderr nb -- "${DIG[@]}" +tcp "$WWW_NAME" A
	assert_success
	assert_output --partial "status: NOERROR"
	assert_line --partial ";; SERVER: $CLIENT_DNS4#53($CLIENT_DNS4) (TCP)"
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
}

@test "dig AAAA gets an fd53:6b73:6679::/64 placeholder; with SOCKSIFY_FAKE_IPV6=off an empty NOERROR answer" {
	run --separate-stderr nb -- "${DIG[@]}" +short "$WWW_NAME" AAAA
	assert_success
	assert_output --regexp "^$FAKE6_RE\$"
	run --separate-stderr nb SOCKSIFY_FAKE_IPV6=off -- "${DIG[@]}" "$WWW_NAME" AAAA
	assert_success
	assert_output --partial "status: NOERROR"
	assert_line --regexp '^;; flags: qr rd ra; QUERY: 1, ANSWER: 0,'
	refute_output --regexp "$FAKE6_RE"
}

@test "dig -x PLACEHOLDER gives the name back (IPv4 and IPv6 placeholders)" {
	local ph4 ph6
	ph4=$(nb -- "${DIG[@]}" +short "$WWW_NAME" A)
	[[ "$ph4" =~ ^$FAKE4_RE$ ]] || fail "no IPv4 placeholder: $ph4"
	ph6=$(nb -- "${DIG[@]}" +short "$WWW_NAME" AAAA)
	[[ "$ph6" =~ ^$FAKE6_RE$ ]] || fail "no IPv6 placeholder: $ph6"
	# a table lives in one process: the same dig issues the placeholder
	# (the first name of a fresh table, as above) and asks for its PTR
	run --separate-stderr nb -- "${DIG[@]}" +short "$WWW_NAME" A -x "$ph4"
	assert_success
	assert_line --index 0 "$ph4"
	assert_line --index 1 "$WWW_NAME."
	run --separate-stderr nb -- "${DIG[@]}" +short "$WWW_NAME" AAAA -x "$ph6"
	assert_success
	assert_line --index 0 "$ph6"
	assert_line --index 1 "$WWW_NAME."
}

@test "host NAME prints both placeholders (its MX query forwarded to dns_upstream)" {
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$WORLD_DNS4:$WORLD_DNS_PORT" -- \
		timeout 20 host -W 2 "$WWW_NAME"
	assert_success
	assert_line --regexp "^$(re_quote "$WWW_NAME") has address $FAKE4_RE\$"
	assert_line --regexp "^$(re_quote "$WWW_NAME") has IPv6 address $FAKE6_RE\$"
	refute_output --partial "not found"
	# an A query alone needs no upstream
	run --separate-stderr nb -- timeout 20 host -W 2 -t A "$WWW_NAME"
	assert_success
	assert_output --regexp "^$(re_quote "$WWW_NAME") has address $FAKE4_RE\$"
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
}

# -------------------------------------------------------- node and python ---

@test "node dns.resolve4 (c-ares) gets the placeholder, the one dns.lookup (getaddrinfo) gives" {
	run --separate-stderr nb -- "${NODE[@]}" "$WWW_NAME" --lookup
	assert_success
	assert_line --index 0 --regexp "^A $FAKE4_RE\$"
	local ph=${lines[0]#A }
	assert_line --index 1 "lookup $ph"
}

@test "python raw socket, sendto/recvfrom and sendmsg/recvmsg: placeholders, PTR back; the source is the nameserver, port 53" {
	local mode
	for mode in sendto sendmsg; do
		run --separate-stderr nb -- "${QUERY[@]}" --mode "$mode" "$WWW_NAME" A @ PTR "$WWW_NAME" AAAA
		assert_success
		assert_line "server $CLIENT_DNS4 53"
		assert_line --regexp "^answer A $FAKE4_RE\$"
		assert_line "answer PTR $WWW_NAME"
		assert_line --regexp "^answer AAAA $FAKE6_RE\$"
		refute_line --regexp '^mismatch'
		refute_line --regexp '^rcode [^N]|^rcode NX'
		[ "$(grep -c '^flags qr.* rd ra$' <<<"$output")" -eq 3 ] ||
			fail "expected 3 replies with QR, RD and RA: $output"
		# the reported source of each of the three replies
		[ "$(grep -cx "from $CLIENT_DNS4 53" <<<"$output")" -eq 3 ] ||
			fail "$mode: the replies do not come from $CLIENT_DNS4 port 53: $output"
	done
}

@test "python raw socket, connected UDP (send/recv, write/poll/read): placeholder; getpeername is the nameserver, port 53" {
	local mode
	for mode in connect write; do
		run --separate-stderr nb -- "${QUERY[@]}" --mode "$mode" "$WWW_NAME" A @ PTR
		assert_success
		assert_line --regexp "^answer A $FAKE4_RE\$"
		assert_line "answer PTR $WWW_NAME"
		refute_line --regexp '^mismatch'
		[ "$(grep -cx "peer $CLIENT_DNS4 53" <<<"$output")" -eq 2 ] ||
			fail "$mode: getpeername is not $CLIENT_DNS4 port 53: $output"
	done
}

@test "python raw socket over TCP: several queries on one connection; getpeername is the nameserver, port 53" {
	run --separate-stderr nb -- "${QUERY[@]}" --mode tcp "$WWW_NAME" A "$WWW_NAME" AAAA @ PTR
	assert_success
	assert_line --regexp "^answer A $FAKE4_RE\$"
	assert_line --regexp "^answer AAAA $FAKE6_RE\$"
	assert_line "answer PTR $WWW_NAME"
	refute_line --regexp '^mismatch'
	[ "$(grep -cx "peer $CLIENT_DNS4 53" <<<"$output")" -eq 3 ] ||
		fail "getpeername is not $CLIENT_DNS4 port 53: $output"
}

@test "malformed queries get no answer and break nothing; the next good query on the socket is answered" {
	# garbage, a truncated query, a reply (QR set) and two questions: no
	# answer to any, then a good query on the same UDP socket and TCP
	# connection is answered
	cat >"$NOBODY_DIR/malformed.py" <<'PY'
import socket, struct, sys
ns = sys.argv[1]
def query(name, ident, flags=0x0100, qd=1):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!HH", 1, 1)
    return struct.pack("!HHHHHH", ident, flags, qd, 0, 0, 0) + q * qd
bad = [b"\xff" * 7, query("www.example.test", 1)[:20], query("www.example.test", 2, flags=0x8100),
       query("www.example.test", 3, qd=2), b"\x00\x04\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(0.5)
for b in bad:
    u.sendto(b, (ns, 53))
try:
    print("udp unexpected answer", u.recvfrom(512))
except socket.timeout:
    print("udp no answer")
u.settimeout(5)
u.sendto(query("www.example.test", 99), (ns, 53))
data, src = u.recvfrom(512)
print("udp answer id", struct.unpack("!H", data[:2])[0], "from", src[0], src[1])
t = socket.create_connection((ns, 53), timeout=5)
t.sendall(struct.pack("!H", 7) + b"\xff" * 7)
t.settimeout(2)
print("tcp after garbage:", "closed" if t.recv(2) == b"" else "answered")
t = socket.create_connection((ns, 53), timeout=5)
q = query("www.example.test", 100)
t.sendall(struct.pack("!H", len(q)) + q)
n = struct.unpack("!H", t.recv(2))[0]
print("tcp answer id", struct.unpack("!H", t.recv(n)[:2])[0])
PY
	chmod 644 "$NOBODY_DIR/malformed.py"
	run --separate-stderr nb -- "$PYTHON" "$NOBODY_DIR/malformed.py" "$CLIENT_DNS4"
	assert_success
	assert_line "udp no answer"
	assert_line "udp answer id 99 from $CLIENT_DNS4 53"
	assert_line "tcp after garbage: closed"
	assert_line "tcp answer id 100"
	assert_equal "$stderr" ""
}

@test "python: a raw query and getaddrinfo use the same table" {
	# getaddrinfo(other) first: a separate table for the raw queries would
	# give NAME the placeholder getaddrinfo gave "other"
	run --separate-stderr nb -- "${QUERY[@]}" "other-$RANDOM.example.test" GAI \
		"$WWW_NAME" A "$WWW_NAME" GAI "$ECHO_NAME" GAI "$ECHO_NAME" A
	assert_success
	local www echo
	www=$(sed -n 's/^answer A //p' <<<"$output" | sed -n 1p)
	echo=$(sed -n 's/^answer A //p' <<<"$output" | sed -n 2p)
	[[ "$www" =~ ^$FAKE4_RE$ && "$echo" =~ ^$FAKE4_RE$ ]] || fail "no placeholders: $output"
	[ "$www" != "$echo" ] || fail "two names, one placeholder: $output"
	assert_line "gai $WWW_NAME $www"
	assert_line "gai $ECHO_NAME $echo"
}

@test "res_query (C, libresolv) gets the placeholder; PTR of it gives the name" {
	run --separate-stderr nb -- "$NOBODY_DIR/res_query" "$WWW_NAME" 1
	assert_success
	assert_output --regexp "^A $FAKE4_RE\$"
	local ph=${output#A } rev
	rev=$("$PYTHON" -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer)' "$ph")
	# one process, a fresh table: the same first placeholder, then its PTR
	run --separate-stderr nb -- "$NOBODY_DIR/res_query" "$WWW_NAME" 1 "$rev" 12 "$WWW_NAME" 28
	assert_success
	assert_line --index 0 "A $ph"
	assert_line --index 1 "PTR $WWW_NAME"
	assert_line --index 2 --regexp "^AAAA $FAKE6_RE\$"
}

# ------------------------------------------------------- other record types --

@test "dig MX and TXT forwarded to dns_upstream through danted (UDP ASSOCIATE): the world's server gets them by UDP from the proxy" {
	local up="$WORLD_DNS4:$WORLD_DNS_PORT"
	local mx_re txt_re before now
	mx_re="^dns $(re_quote "$PROXY_EXT4 $MX_NAME") MX -> NOERROR 1 answers over udp\$"
	txt_re="^dns $(re_quote "$PROXY_EXT4 $TXT_NAME") TXT -> NOERROR 1 answers over udp\$"
	before=$(world_count "$mx_re")
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$up" -- "${DIG[@]}" +short "$MX_NAME" MX
	assert_success
	assert_output "$MX_RECORD."
	now=$(world_wait_more "$before" "$mx_re")
	[ "$now" -eq $((before + 1)) ] ||
		fail "expected one MX query by UDP from $PROXY_EXT4, got $((now - before)): $(tail -3 "$WORLD_DNS_LOG")"
	before=$(world_count "$txt_re")
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$up" -- "${DIG[@]}" +short "$TXT_NAME" TXT
	assert_success
	assert_output "\"$TXT_TEXT\""
	now=$(world_wait_more "$before" "$txt_re")
	[ "$now" -eq $((before + 1)) ] ||
		fail "expected one TXT query by UDP from $PROXY_EXT4, got $((now - before)): $(tail -3 "$WORLD_DNS_LOG")"
	# the whole reply: the upstream's answer, the question dig asked
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$up" -- "${DIG[@]}" "$MX_NAME" MX
	assert_success
	assert_output --partial "status: NOERROR"
	assert_line --regexp "^$(re_quote "$MX_NAME")\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+MX[[:space:]]+$(re_quote "$MX_RECORD")\.\$"
	assert_line --partial ";; SERVER: $CLIENT_DNS4#53($CLIENT_DNS4) (UDP)"
	# dig +tcp: the program's transport does not matter
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$up" -- "${DIG[@]}" +tcp +short "$MX_NAME" MX
	assert_success
	assert_output "$MX_RECORD."
}

@test "dns_upstream forms: no port (53), [IPv6]:port; node resolveMx and resolveTxt" {
	local re6 before now
	re6="^dns $(re_quote "$PROXY_EXT6 $TXT_NAME") TXT -> NOERROR 1 answers over udp\$"
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$WORLD_DNS4" -- "${DIG[@]}" +short "$TXT_NAME" TXT
	assert_success
	assert_output "\"$TXT_TEXT\""
	before=$(world_count "$re6")
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="[$WORLD_DNS6]:$WORLD_DNS_PORT" -- \
		"${DIG[@]}" +short "$TXT_NAME" TXT
	assert_success
	assert_output "\"$TXT_TEXT\""
	now=$(world_wait_more "$before" "$re6")
	[ "$now" -eq $((before + 1)) ] ||
		fail "expected one TXT query by UDP from $PROXY_EXT6, got $((now - before)): $(tail -3 "$WORLD_DNS_LOG")"
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$WORLD_DNS4:$WORLD_DNS_PORT" -- \
		"${NODE[@]}" "$WWW_NAME" --mx "$MX_NAME" --txt "$TXT_NAME"
	assert_success
	assert_line --regexp "^A $FAKE4_RE\$"
	assert_line "MX $MX_RECORD"
	assert_line "TXT $TXT_TEXT"
}

@test "dig MX and TXT through microsocks (CONNECT only): forwarded as DNS over TCP" {
	local up="$WORLD_DNS4:$WORLD_DNS_PORT"
	local mx_re txt_re before now
	mx_re="^dns $(re_quote "$PROXY_EXT4 $MX_NAME") MX -> NOERROR 1 answers over tcp\$"
	txt_re="^dns $(re_quote "$PROXY_EXT4 $TXT_NAME") TXT -> NOERROR 1 answers over tcp\$"
	before=$(world_count "$mx_re")
	run --separate-stderr nb --micro SOCKSIFY_DNS_UPSTREAM="$up" -- "${DIG[@]}" +short "$MX_NAME" MX
	assert_success
	assert_output "$MX_RECORD."
	now=$(world_wait_more "$before" "$mx_re")
	[ "$now" -eq $((before + 1)) ] ||
		fail "expected one MX query over TCP from $PROXY_EXT4, got $((now - before)): $(tail -3 "$WORLD_DNS_LOG")"
	before=$(world_count "$txt_re")
	run --separate-stderr nb --micro SOCKSIFY_DNS_UPSTREAM="$up" -- "${DIG[@]}" +short "$TXT_NAME" TXT
	assert_success
	assert_output "\"$TXT_TEXT\""
	now=$(world_wait_more "$before" "$txt_re")
	[ "$now" -eq $((before + 1)) ] ||
		fail "expected one TXT query over TCP from $PROXY_EXT4, got $((now - before)): $(tail -3 "$WORLD_DNS_LOG")"
	# A queries still need no upstream at all
	run --separate-stderr nb --micro -- "${DIG[@]}" +short "$WWW_NAME" A
	assert_success
	assert_output --regexp "^$FAKE4_RE\$"
}

@test "res_query MX (C, libresolv) is forwarded to dns_upstream too" {
	# res_query.c prints "TYPE 15" for an MX answer
	run --separate-stderr nb SOCKSIFY_DNS_UPSTREAM="$WORLD_DNS4:$WORLD_DNS_PORT" -- \
		"$NOBODY_DIR/res_query" "$MX_NAME" 15
	assert_success
	assert_output "TYPE 15"
}

@test "without dns_upstream: dig MX gets REFUSED, and one stderr line names dns_upstream" {
	local before
	before=$(world_count " $(re_quote "$MX_NAME") MX ")
	run --separate-stderr nb -- "${DIG[@]}" "$MX_NAME" MX
	assert_success
	assert_output --partial "status: REFUSED"
	assert_line --regexp '^;; flags: qr rd ra; QUERY: 1, ANSWER: 0,'
	one_dns_upstream_line
	[ "$(world_count " $(re_quote "$MX_NAME") MX ")" -eq "$before" ] ||
		fail "the query reached the world's DNS server: $(tail -3 "$WORLD_DNS_LOG")"
	# the same through microsocks, and for a python raw query
	run --separate-stderr nb --micro -- "${DIG[@]}" "$TXT_NAME" TXT
	assert_success
	assert_output --partial "status: REFUSED"
	one_dns_upstream_line
	run --separate-stderr nb -- "${QUERY[@]}" "$MX_NAME" MX
	assert_success
	assert_line "rcode REFUSED"
	assert_line "from $CLIENT_DNS4 53"
	one_dns_upstream_line
}

# -------------------------------------------------- which resolv.conf -------

@test "resolv.conf naming only the loopback stub 127.0.0.53: dig, dig +tcp, node, python answered from 127.0.0.53:53" {
	local rc=(--resolv "$NOBODY_DIR/resolv-stub.conf")
	run --separate-stderr nb "${rc[@]}" -- "${DIG[@]}" "$WWW_NAME" A
	assert_success
	assert_output --partial "status: NOERROR"
	assert_line --regexp "^$(re_quote "$WWW_NAME")\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+$FAKE4_RE\$"
	assert_line --partial ";; SERVER: $CLIENT_DNS_STUB#53($CLIENT_DNS_STUB) (UDP)"
	run --separate-stderr nb "${rc[@]}" -- "${DIG[@]}" +tcp "$WWW_NAME" AAAA
	assert_success
	assert_line --regexp "^$(re_quote "$WWW_NAME")\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+AAAA[[:space:]]+$FAKE6_RE\$"
	assert_line --partial ";; SERVER: $CLIENT_DNS_STUB#53($CLIENT_DNS_STUB) (TCP)"
	run --separate-stderr nb "${rc[@]}" -- "${NODE[@]}" "$WWW_NAME"
	assert_success
	assert_output --regexp "^A $FAKE4_RE\$"
	run --separate-stderr nb "${rc[@]}" -- "${QUERY[@]}" --mode sendto "$WWW_NAME" A
	assert_success
	assert_line "server $CLIENT_DNS_STUB 53"
	assert_line --regexp "^answer A $FAKE4_RE\$"
	assert_line "from $CLIENT_DNS_STUB 53"
	run --separate-stderr nb "${rc[@]}" -- "${QUERY[@]}" --mode connect "$WWW_NAME" A
	assert_success
	assert_line --regexp "^answer A $FAKE4_RE\$"
	assert_line "peer $CLIENT_DNS_STUB 53"
	run --separate-stderr nb "${rc[@]}" -- "${QUERY[@]}" --mode tcp "$WWW_NAME" A
	assert_success
	assert_line --regexp "^answer A $FAKE4_RE\$"
	assert_line "peer $CLIENT_DNS_STUB 53"
}

@test "resolv.conf naming only the LAN-style 198.51.100.53: dig, dig +tcp, node, python answered from it" {
	local rc=(--resolv "$NOBODY_DIR/resolv-lan.conf")
	run --separate-stderr nb "${rc[@]}" -- "${DIG[@]}" "$WWW_NAME" A
	assert_success
	assert_line --regexp "^$(re_quote "$WWW_NAME")\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+$FAKE4_RE\$"
	assert_line --partial ";; SERVER: $CLIENT_DNS4#53($CLIENT_DNS4) (UDP)"
	run --separate-stderr nb "${rc[@]}" -- "${DIG[@]}" +tcp +short "$WWW_NAME" A
	assert_success
	assert_output --regexp "^$FAKE4_RE\$"
	run --separate-stderr nb "${rc[@]}" -- "${NODE[@]}" "$WWW_NAME"
	assert_success
	assert_output --regexp "^A $FAKE4_RE\$"
	run --separate-stderr nb "${rc[@]}" -- "${QUERY[@]}" --mode sendto "$WWW_NAME" A
	assert_success
	assert_line --regexp "^answer A $FAKE4_RE\$"
	assert_line "from $CLIENT_DNS4 53"
	run --separate-stderr nb "${rc[@]}" -- "${QUERY[@]}" --mode connect "$WWW_NAME" A
	assert_success
	assert_line --regexp "^answer A $FAKE4_RE\$"
	assert_line "peer $CLIENT_DNS4 53"
}

@test "any loopback address on port 53 is answered, even one not in resolv.conf (127.0.0.1, ::1)" {
	local server
	for server in 127.0.0.1 ::1; do
		run --separate-stderr nb -- "${QUERY[@]}" --server "$server" --mode sendto "$WWW_NAME" A
		assert_success
		assert_line --regexp "^answer A $FAKE4_RE\$"
		assert_line "from $server 53"
		run --separate-stderr nb -- "${QUERY[@]}" --server "$server" --mode tcp "$WWW_NAME" AAAA
		assert_success
		assert_line --regexp "^answer AAAA $FAKE6_RE\$"
		assert_line "peer $server 53"
	done
}

# ---------------------------------------------------- not intercepted -------

# dns_went_out WHY: the counters saw DNS packets and nothing else (then reset).
dns_went_out() {
	local d n
	d=$(dns_leaks)
	n=$(leaks)
	reset_leaks
	[ "$d" -gt 0 ] || fail "$1"
	[ "$n" -eq "$d" ] || fail "$((n - d)) leak(s) that are not DNS"
}

@test "SOCKSIFY_DNS_INTERCEPT=off: dig's query to the stub is not answered, and the leak counter sees it" {
	run --separate-stderr nb --resolv "$NOBODY_DIR/resolv-stub.conf" SOCKSIFY_DNS_INTERCEPT=off -- \
		dig +time=1 +tries=1 +short "$WWW_NAME" A
	refute_output --regexp "$FAKE4_RE"
	dns_went_out "no DNS packet counted: the query was answered some other way"
	# the same with interception on: answered, nothing counted
	run --separate-stderr nb --resolv "$NOBODY_DIR/resolv-stub.conf" -- \
		dig +time=1 +tries=1 +short "$WWW_NAME" A
	assert_success
	assert_output --regexp "^$FAKE4_RE\$"
}

@test "direct_hosts: a direct name's query goes to the real nameserver (counted here), other names are answered" {
	local rc=(--resolv "$NOBODY_DIR/resolv-stub.conf")
	run --separate-stderr nb "${rc[@]}" SOCKSIFY_DIRECT_HOSTS="$WWW_NAME" -- \
		"${DIG[@]}" +short "$ECHO_NAME" A
	assert_success
	assert_output --regexp "^$FAKE4_RE\$"
	assert_no_leaks_at_all
	run --separate-stderr nb "${rc[@]}" SOCKSIFY_DIRECT_HOSTS="$WWW_NAME" -- \
		dig +time=1 +tries=1 +short "$WWW_NAME" A
	refute_output --regexp "$FAKE4_RE"
	dns_went_out "the direct name's query did not go to the real nameserver"
}
