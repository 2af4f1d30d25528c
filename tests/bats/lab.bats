#!/usr/bin/env bats
# Self-test of the namespace lab (scripts/lab.sh). Uses native SOCKS clients
# (curl, ncat), not socksify.

load lab

setup_file() {
	lab_up
}

teardown_file() {
	lab_down
}

setup() {
	reset_leaks
}

curl_() {
	in_client curl -q -sS --max-time 10 "$@"
}

@test "lab.env exports every documented variable" {
	local v
	for v in LAB_CLIENT_NS LAB_PROXY_NS LAB_WORLD_NS PROXY4 PROXY6 AUTH_PORT \
		NOAUTH_PORT MICROSOCKS_PORT DEBUG_PORT WORLD4 WORLD6 HTTP_PORT ECHO_PORT LAB_USER \
		LAB_PASS LAB_PASSWORD_FILE DANTE_LOG DANTE_DEBUG_LOG BIGFILE_SHA256 MARKER \
		WWW_NAME ECHO_NAME V4ONLY_NAME V6ONLY_NAME NX_NAME CLIENT_DNS4 \
		CLIENT_DNS_STUB CLIENT_HOSTNAME UDP_ECHO_PORT WORLD_DNS4 WORLD_DNS6 \
		WORLD_DNS_PORT WORLD_DNS_LOG; do
		[ -n "${!v:-}" ] || fail "lab.env does not set $v"
	done
	assert_equal "$PROXY4" 198.51.100.1
	assert_equal "$PROXY6" 2001:db8:1::1
	assert_equal "$WORLD4" 203.0.113.10
	assert_equal "$WORLD6" 2001:db8:2::10
	assert_equal "$AUTH_PORT/$NOAUTH_PORT/$MICROSOCKS_PORT/$HTTP_PORT/$ECHO_PORT" 1080/1081/1082/80/7
	assert_equal "$DEBUG_PORT" 1083
	assert_equal "$UDP_ECHO_PORT $WORLD_DNS4 $WORLD_DNS6 $WORLD_DNS_PORT" \
		"7 203.0.113.10 2001:db8:2::10 53"
	assert_equal "$WWW_NAME $ECHO_NAME $V4ONLY_NAME $V6ONLY_NAME $NX_NAME" \
		"www.example.test echo.example.test v4only.example.test v6only.example.test nx.example.test"
	assert_equal "$CLIENT_DNS4 $CLIENT_DNS_STUB" "198.51.100.53 127.0.0.53"
	assert_equal "$(stat -c %a "$LAB_PASSWORD_FILE")" 600
	assert_equal "$(cat "$LAB_PASSWORD_FILE")" "$LAB_PASS"
	run id -u "$LAB_USER"
	assert_success
	assert_equal "$(getent passwd "$LAB_USER" | cut -d: -f7)" /usr/sbin/nologin
	# a cheap MD5 hash, so danted's one crypt() per connection costs nothing
	# shellcheck disable=SC2016
	assert_regex "$(getent shadow "$LAB_USER" | cut -d: -f2)" '^\$1\$'
	run "$LAB_SH" status
	assert_success
	assert_output --partial "status: up"
}

@test "client has default routes via the proxy and the proxy does not forward" {
	run in_client ip -4 route show default
	assert_output --partial "via $PROXY4"
	run in_client ip -6 route show default
	assert_output --partial "via $PROXY6"
	assert_equal "$(in_proxy sysctl -n net.ipv4.ip_forward)" 0
	assert_equal "$(in_proxy sysctl -n net.ipv6.conf.all.forwarding)" 0
}

@test "danted (username) over IPv4 returns the marker" {
	run curl_ --socks5 "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "danted (username) over IPv6 with --socks5-hostname returns the marker" {
	run curl_ --socks5-hostname "[$PROXY6]:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "danted crosses families: IPv6 proxy to IPv4 world and back" {
	run curl_ --socks5 "[$PROXY6]:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	run curl_ --socks5 "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "the 1 MiB file arrives intact through danted" {
	local out="$BATS_TEST_TMPDIR/big.bin"
	run curl_ --socks5 "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" -o "$out" "http://$WORLD4/big.bin"
	assert_success
	assert_equal "$(stat -c %s "$out")" 1048576
	assert_equal "$(sha256sum "$out" | cut -d' ' -f1)" "$BIGFILE_SHA256"
	assert_no_leaks
}

@test "danted (no auth) on 1081 returns the marker, both families" {
	run curl_ --socks5 "$PROXY4:$NOAUTH_PORT" "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	run curl_ --socks5-hostname "[$PROXY6]:$NOAUTH_PORT" "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "microsocks on 1082 returns the marker" {
	run curl_ --socks5 "$PROXY4:$MICROSOCKS_PORT" "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	run curl_ --socks5 "$PROXY4:$MICROSOCKS_PORT" "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "the echo server answers through SOCKS (ncat), both families" {
	run in_client timeout 10 ncat --proxy "$PROXY4:$NOAUTH_PORT" --proxy-type socks5 "$WORLD4" "$ECHO_PORT" <<<"hello-echo-4"
	assert_success
	assert_output "hello-echo-4"
	run in_client timeout 10 ncat --proxy "[$PROXY6]:$AUTH_PORT" --proxy-type socks5 \
		--proxy-auth "$LAB_USER:$LAB_PASS" "$WORLD6" "$ECHO_PORT" <<<"hello-echo-6"
	assert_success
	assert_output "hello-echo-6"
	assert_no_leaks
}

@test "the echo server handles many concurrent connections" {
	run in_world timeout 20 "$PYTHON" -c '
import socket, sys, threading
ok = []
def one(i):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
    msg = b"x%05d" % i
    s.sendall(msg)
    ok.append(s.recv(16) == msg)
    s.close()
ts = [threading.Thread(target=one, args=(i,)) for i in range(200)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sum(ok))
' "$WORLD4" "$ECHO_PORT"
	assert_success
	assert_output 200
}

@test "a direct connection from the client fails and is counted as a leak" {
	run in_client curl -q -sS --max-time 3 "http://$WORLD4/"
	assert_failure
	refute_output --partial "$MARKER"
	run leaks
	assert_success
	[ "$output" -ge 1 ] || fail "leak counter is $output after a direct IPv4 connect"
	local before=$output
	run in_client curl -q -sS --max-time 3 "http://[$WORLD6]/"
	assert_failure
	run leaks
	[ "$output" -gt "$before" ] || fail "leak counter did not grow after a direct IPv6 connect"
}

@test "DNS to a loopback resolver counts as a leak; other loopback traffic does not" {
	run in_client curl -q -sS --max-time 3 "http://127.0.0.1:9/"
	assert_failure
	run in_client curl -q -sS --max-time 3 "http://[::1]:9/"
	assert_failure
	assert_no_leaks
	run in_client dig +time=1 +tries=1 @127.0.0.1 lab.test
	assert_failure
	run leaks
	[ "$output" -ge 1 ] || fail "a DNS query to 127.0.0.1:53 was not counted"
}

@test "the client namespace sees the lab's resolv.conf, hosts and nsswitch.conf" {
	run in_client cat /etc/resolv.conf
	assert_success
	assert_line "nameserver $CLIENT_DNS4"
	assert_line "nameserver $CLIENT_DNS_STUB"
	[ "$(grep -c '^nameserver' <<<"$output")" -eq 2 ] || fail "other nameservers: $output"
	run in_client cat /etc/hosts
	assert_success
	refute_output --partial "example.test"
	refute_output --partial "$WORLD4"
	run in_client grep -E '^hosts:' /etc/nsswitch.conf
	assert_output --regexp '^hosts:[[:space:]]+files dns$'
	# the host's own files are untouched
	run grep -E "^nameserver ($CLIENT_DNS4|$CLIENT_DNS_STUB)\$" /etc/resolv.conf
	assert_failure
	[ -d "/etc/netns/$LAB_CLIENT_NS" ] || fail "/etc/netns/$LAB_CLIENT_NS missing"
	[ -d "/etc/netns/$LAB_PROXY_NS" ] || fail "/etc/netns/$LAB_PROXY_NS missing"
	assert_no_leaks
}

@test "localhost and the client's hostname resolve from its hosts file, no leak" {
	run in_client getent ahostsv4 localhost
	assert_success
	assert_line --index 0 --regexp '^127\.0\.0\.1 +STREAM localhost$'
	# ahosts (AF_UNSPEC), not hosts: `getent hosts` asks for AF_INET6 first,
	# and the hosts file has no IPv6 entry for the hostname, so that query
	# goes on to DNS (a leak), as on a stock Debian host
	run in_client getent ahosts "$CLIENT_HOSTNAME"
	assert_success
	assert_line --index 0 --regexp "^127\.0\.1\.1 +STREAM $CLIENT_HOSTNAME\$"
	assert_no_leaks
	assert_equal "$(dns_leaks)" 0
}

@test "the client namespace has no working DNS: getent fails and the query is a counted leak" {
	run in_client timeout 20 getent hosts "$WWW_NAME"
	assert_failure 2
	assert_output ""
	run leaks
	[ "$output" -gt 0 ] || fail "a DNS lookup from the client was not counted as a leak"
	run dns_leaks
	[ "$output" -gt 0 ] || fail "a DNS lookup from the client was not counted as a DNS leak"
	reset_leaks
	# each nameserver alone: the on-link address and the loopback stub
	run in_client dig +time=1 +tries=1 "@$CLIENT_DNS4" "$WWW_NAME"
	assert_failure
	[ "$(dns_leaks)" -gt 0 ] || fail "a query to $CLIENT_DNS4 was not counted"
	reset_leaks
	run in_client dig +time=1 +tries=1 "@$CLIENT_DNS_STUB" "$WWW_NAME"
	assert_failure
	[ "$(dns_leaks)" -gt 0 ] || fail "a query to $CLIENT_DNS_STUB was not counted"
	[ "$(dns_leaks)" -eq "$(leaks)" ] || fail "dns_leaks $(dns_leaks) != leaks $(leaks)"
	# the other leaks are not DNS
	reset_leaks
	run in_client curl -q -sS --max-time 3 "http://$WORLD4/"
	assert_failure
	[ "$(leaks)" -gt 0 ] || fail "a direct connect was not counted"
	assert_equal "$(dns_leaks)" 0
}

@test "the proxy namespace resolves the test names from its hosts file" {
	local name
	for name in "$WWW_NAME" "$ECHO_NAME"; do
		run in_proxy getent ahostsv4 "$name"
		assert_success
		assert_line --index 0 --regexp "^$WORLD4 +STREAM $name\$"
		run in_proxy getent ahostsv6 "$name"
		assert_success
		assert_line --index 0 --regexp "^$WORLD6 +STREAM $name\$"
	done
	run in_proxy getent ahostsv4 "$V4ONLY_NAME"
	assert_line --index 0 --regexp "^$WORLD4 +STREAM"
	run in_proxy getent ahosts "$V4ONLY_NAME"
	refute_output --partial "$WORLD6"
	run in_proxy getent ahosts "$V6ONLY_NAME"
	assert_success
	assert_line --index 0 --regexp "^$WORLD6 +STREAM"
	refute_output --partial "$WORLD4"
	# a name in no hosts file fails at once (no nameserver answers there)
	run in_proxy timeout 10 getent hosts "$NX_NAME"
	assert_failure 2
}

@test "native curl --socks5-hostname: the proxy resolves the names, no leak" {
	run curl_ --socks5-hostname "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	run curl_ --socks5-hostname "[$PROXY6]:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$V4ONLY_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	run curl_ --socks5-hostname "$PROXY4:$NOAUTH_PORT" "http://$V6ONLY_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	# danted reached the v6-only name over IPv6
	run dante_log_wait "$DANTE_NOAUTH_LOG" "tcp/connect \[: 198\.51\.100\.2\.[0-9]+ 198\.51\.100\.1\.$NOAUTH_PORT -> 2001:db8:2::1\.[0-9]+ 2001:db8:2::10\.$HTTP_PORT"
	assert_success
	run in_client timeout 10 ncat --proxy "$PROXY4:$AUTH_PORT" --proxy-type socks5 \
		--proxy-auth "$LAB_USER:$LAB_PASS" --proxy-dns remote "$ECHO_NAME" "$ECHO_PORT" <<<"hello-by-name"
	assert_success
	assert_output "hello-by-name"
	# a name the proxy cannot resolve: refused by danted, still no leak
	run curl_ --socks5-hostname "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$NX_NAME/"
	assert_failure
	run dante_log_wait "$DANTE_LOG" "could not resolve hostname \"$NX_NAME\""
	assert_success
	assert_no_leaks
	assert_equal "$(dns_leaks)" 0
}

@test "the debug danted on DEBUG_PORT logs each request's ATYP and hostname" {
	run curl_ --socks5-hostname "$PROXY4:$DEBUG_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	run dante_log_wait "$DANTE_DEBUG_LOG" "request received from client 198\.51\.100\.2\.[0-9]+\..* ATYP: 3 address: $WWW_NAME\.$HTTP_PORT"
	assert_success
	run curl_ --socks5 "$PROXY4:$DEBUG_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$WORLD4/"
	assert_success
	run dante_log_wait "$DANTE_DEBUG_LOG" "request received from client .* ATYP: 1 address: $WORLD4\.$HTTP_PORT"
	assert_success
	assert_no_leaks
}

@test "a wrong password or no credentials are refused by danted on 1080" {
	run curl_ --socks5 "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:wrong-$LAB_PASS" "http://$WORLD4/"
	assert_failure
	refute_output --partial "$MARKER"
	run curl_ --socks5 "$PROXY4:$AUTH_PORT" "http://$WORLD4/"
	assert_failure
	refute_output --partial "$MARKER"
	run dante_log_wait "$DANTE_LOG" "password authentication failed for user \"$LAB_USER\""
	assert_success
	assert_no_leaks
}

@test "the danted log shows the client's connection to the world" {
	run curl_ --socks5 "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$WORLD4/"
	assert_success
	run dante_log_wait "$DANTE_LOG" "tcp/connect \[: username%$LAB_USER@198\.51\.100\.2\.[0-9]+ 198\.51\.100\.1\.$AUTH_PORT -> 203\.0\.113\.1\.[0-9]+ 203\.0\.113\.10\.$HTTP_PORT"
	assert_success
}

@test "a second lab with another tag coexists, and up replaces a leftover lab" {
	local tag="${LAB_TAG:0:9}b" dir="$BATS_TEST_TMPDIR/lab2"
	run env LAB_TAG="$tag" LAB_DIR="$dir" "$LAB_SH" up
	assert_success
	# up again over the running one: it must tear the leftover down first
	run env LAB_TAG="$tag" LAB_DIR="$dir" "$LAB_SH" up
	assert_success
	assert_equal "$(ip netns list | grep -c "^$tag-")" 3
	[ -f "/etc/netns/$tag-client/resolv.conf" ] || fail "/etc/netns/$tag-client not written"
	# a file in /etc/netns/NS that the lab did not write keeps that directory
	mkdir -p "/etc/netns/$tag-world"
	echo "not the lab's" >"/etc/netns/$tag-world/hostname"
	local pass
	# shellcheck disable=SC1091
	pass=$(. "$dir/lab.env" && echo "$LAB_PASS")
	run ip netns exec "$tag-client" curl -q -sS --max-time 10 --socks5 "$PROXY4:$AUTH_PORT" \
		--proxy-user "sxlab-$tag:$pass" "http://$WORLD4/"
	assert_success
	assert_output --partial "socksify-lab-marker-"
	# the first lab still works
	run curl_ --socks5 "$PROXY4:$AUTH_PORT" --proxy-user "$LAB_USER:$LAB_PASS" "http://$WORLD4/"
	assert_output --partial "$MARKER"
	run env LAB_TAG="$tag" LAB_DIR="$dir" "$LAB_SH" down
	local foreign
	foreign=$(cat "/etc/netns/$tag-world/hostname" 2>&1 || true)
	rm -rf "/etc/netns/$tag-world"
	assert_success
	assert_output --partial "/etc/netns/$tag-world holds files the lab did not write, left alone"
	assert_equal "$foreign" "not the lab's"
	assert_equal "$(ip netns list | grep -c "^$tag-" || true)" 0
	[ ! -e "/etc/netns/$tag-client" ] || fail "/etc/netns/$tag-client left behind"
	[ ! -e "/etc/netns/$tag-proxy" ] || fail "/etc/netns/$tag-proxy left behind"
	# the first lab's files are still there
	[ -f "/etc/netns/$LAB_CLIENT_NS/resolv.conf" ] || fail "the first lab's /etc/netns/$LAB_CLIENT_NS went"
	run id "sxlab-$tag"
	assert_failure
	[ ! -e "$dir" ] || fail "$dir left behind"
	run env LAB_TAG="$tag" LAB_DIR="$dir" "$LAB_SH" down
	assert_success
}

# ---------------------------------------------------------------- UDP -------

UDP_CLIENT="$REPO/tests/helpers/udp_socks_client.py"

@test "the world's UDP echo and DNS server answer on both addresses" {
	# from the proxy namespace, which reaches the world directly
	run in_proxy timeout 10 socat -t 1 - "UDP:$WORLD4:$UDP_ECHO_PORT" <<<"udp-echo-4"
	assert_success
	assert_output "udp-echo-4"
	run in_proxy timeout 10 socat -t 1 - "UDP:[$WORLD6]:$UDP_ECHO_PORT" <<<"udp-echo-6"
	assert_success
	assert_output "udp-echo-6"
	run in_proxy dig +short +tries=1 +time=3 "@$WORLD_DNS4" "$WWW_NAME" A
	assert_success
	assert_output "$WORLD4"
	run in_proxy dig +short +tries=1 +time=3 "@$WORLD_DNS6" "$WWW_NAME" AAAA
	assert_success
	assert_output "$WORLD6"
	run in_proxy dig +tries=1 +time=3 "@$WORLD_DNS4" "$ECHO_NAME" A
	assert_success
	assert_output --partial "status: NXDOMAIN"
	run in_proxy dig +tries=1 +time=3 "@$WORLD_DNS4" "$WWW_NAME" MX
	assert_success
	assert_output --partial "status: NOERROR"
	assert_output --partial "ANSWER: 0"
	run grep -c "dns $PROXY_EXT4 $WWW_NAME A -> NOERROR 1 answers" "$WORLD_DNS_LOG"
	assert_output 1
	assert_no_leaks
}

@test "a native SOCKS5 UDP client echoes through danted's relay: both families, by name, no leak" {
	local auth=(--user "$LAB_USER" --password-file "$LAB_PASSWORD_FILE")
	run in_client timeout 20 "$PYTHON" "$UDP_CLIENT" --proxy "$PROXY4:$AUTH_PORT" "${auth[@]}" \
		"$WORLD4" "$UDP_ECHO_PORT" "udp-native-4"
	assert_success
	assert_line --regexp "^relay $PROXY4 [0-9]+\$"
	assert_line "reply 1 $WORLD4 $UDP_ECHO_PORT udp-native-4"
	run in_client timeout 20 "$PYTHON" "$UDP_CLIENT" --proxy "$PROXY4:$AUTH_PORT" "${auth[@]}" \
		"$WORLD6" "$UDP_ECHO_PORT" "udp-native-6"
	assert_success
	assert_line "reply 4 $WORLD6 $UDP_ECHO_PORT udp-native-6"
	# over the proxy's IPv6 address
	run in_client timeout 20 "$PYTHON" "$UDP_CLIENT" --proxy "[$PROXY6]:$AUTH_PORT" "${auth[@]}" \
		"$WORLD4" "$UDP_ECHO_PORT" "udp-native-6to4"
	assert_success
	assert_line --regexp "^relay $PROXY6 [0-9]+\$"
	assert_line "reply 1 $WORLD4 $UDP_ECHO_PORT udp-native-6to4"
	# a name (ATYP 3): danted resolves it and reports the address it used
	run in_client timeout 20 "$PYTHON" "$UDP_CLIENT" --proxy "$PROXY4:$AUTH_PORT" "${auth[@]}" \
		"$ECHO_NAME" "$UDP_ECHO_PORT" "udp-native-name"
	assert_success
	assert_line --regexp "^reply [14] ($WORLD4|$WORLD6) $UDP_ECHO_PORT udp-native-name\$"
	# danted without authentication relays UDP too
	run in_client timeout 20 "$PYTHON" "$UDP_CLIENT" --proxy "$PROXY4:$NOAUTH_PORT" \
		"$WORLD4" "$UDP_ECHO_PORT" "udp-native-noauth"
	assert_success
	assert_line "reply 1 $WORLD4 $UDP_ECHO_PORT udp-native-noauth"
	# danted's log of the first association: one datagram each way
	run dante_log_wait "$DANTE_LOG" "udp/udpassociate \]: [0-9]+/1 -> username%$LAB_USER@198\.51\.100\.2\.[0-9]+ .* -> 203\.0\.113\.1\.[0-9]+ 203\.0\.113\.10\.$UDP_ECHO_PORT -> [0-9]+/1"
	assert_success
	assert_no_leaks
	assert_equal "$(dns_leaks)" 0
}

@test "microsocks refuses UDP ASSOCIATE with REP 7 (command not supported)" {
	run in_client timeout 20 "$PYTHON" "$UDP_CLIENT" --proxy "$PROXY4:$MICROSOCKS_PORT" \
		"$WORLD4" "$UDP_ECHO_PORT" "udp-microsocks"
	assert_failure 3
	assert_output "refused REP 7 (command not supported)"
	assert_no_leaks
}

@test "a direct UDP datagram from the client is a counted leak" {
	run in_client timeout 10 socat -t 1 - "UDP:$WORLD4:$UDP_ECHO_PORT" <<<"udp-direct"
	refute_output --partial "udp-direct"
	[ "$(leaks)" -ge 1 ] || fail "a direct UDP datagram was not counted"
	assert_equal "$(dns_leaks)" 0
	reset_leaks
	run in_client dig +short +tries=1 +time=1 "@$WORLD_DNS4" "$WWW_NAME" A
	refute_output "$WORLD4"
	[ "$(dns_leaks)" -ge 1 ] || fail "a direct DNS query to $WORLD_DNS4 was not counted"
}
