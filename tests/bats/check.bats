#!/usr/bin/env bats
# socksify --check [HOST:PORT]: the report, the verdict and the exit status
# against the lab's good proxies (danted with username/password, danted
# without authentication, microsocks, which refuses UDP ASSOCIATE) from the
# client namespace, against its broken ones (a wrong password, a port
# nobody listens on, destinations the proxy cannot reach), and against the
# fault-injecting fake proxy (tests/helpers/fakeproxy.py) on the host's
# loopback for silence and malformed replies. The password never appears,
# whatever the verbosity.

load lab
load fakeproxy

setup_file() {
	require_socksify
	lab_up
	# no user or system socksify.conf may change what the tests see
	export XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/xdg"
	mkdir -p "$XDG_CONFIG_HOME"
	[ ! -e /etc/socksify.conf ] ||
		echo "# warning: /etc/socksify.conf exists and may affect these tests" >&3
	export FAKEPROXY="$REPO/tests/helpers/fakeproxy.py" FP_PYTHON="$PYTHON"
	# the fake proxy's account is alice/secret
	export FAKE_PWFILE="$BATS_FILE_TMPDIR/fake-password"
	(umask 077 && printf 'secret\n' >"$FAKE_PWFILE")
	export WRONG_PWFILE="$BATS_FILE_TMPDIR/wrong-password"
	(umask 077 && printf 'wrong-%s\n' "$RANDOM$RANDOM" >"$WRONG_PWFILE")
}

teardown_file() {
	lab_down
}

setup() {
	reset_leaks
	fake_proxy_reset
}

teardown() {
	fake_proxy_stop
}

# ------------------------------------------------------------------ helpers

# timed CMD...: `run --separate-stderr` under a hard timeout; sets ELAPSED_MS.
timed() {
	local t0=${EPOCHREALTIME/./}
	run --separate-stderr timeout 30 "$@"
	ELAPSED_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# chk ARGS...: the wrapper in the lab's client namespace.
chk() {
	timed ip netns exec "$LAB_CLIENT_NS" "$SOCKSIFY" "$@"
}

# chk_auth ARGS...: through the authenticating danted, right password.
chk_auth() {
	chk -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" "$@"
}

# chk_local ARGS...: the wrapper on the host (for the fake proxy on loopback).
chk_local() {
	timed "$SOCKSIFY" "$@"
}

# chk_fake ARGS...: through the fake proxy as alice, deadline 2 s.
chk_fake() {
	chk_local -t 2 -p "socks5://alice@127.0.0.1:$PORT" --password-file "$FAKE_PWFILE" "$@"
}

# recorded MSG FIELD [N]: FIELD of the Nth (default first) MSG the fake proxy received.
recorded() {
	jq -c --arg m "$1" "select(.msg == \$m) | .$2" "$REC" | sed -n "${3:-1}p"
}

# assert_step STATUS TEXT: a step line with STATUS and a time, its text
# starting with TEXT (literally).
assert_step() {
	local l
	for l in "${lines[@]}"; do
		[[ $l =~ ^\ \ $1\ +[0-9]+\ ms\ \ (.*)$ ]] || continue
		[[ ${BASH_REMATCH[1]} == "$2"* ]] && return 0
	done
	fail "no '$1' step starting with '$2' in:"$'\n'"$output"
}

# assert_no_step TEXT: no step line (timed or not) mentions TEXT.
assert_no_step() {
	local l
	for l in "${lines[@]}"; do
		[[ $l != "  "*"$1"* ]] || fail "unexpected step '$1' in:"$'\n'"$output"
	done
}

# assert_verdict TEXT: the last line is TEXT.
assert_verdict() {
	assert_equal "${lines[${#lines[@]} - 1]}" "$1"
}

# assert_no_secret SECRET: in neither stdout nor stderr.
assert_no_secret() {
	[[ $output != *"$1"* ]] || fail "the password appears on stdout:"$'\n'"$output"
	[[ $stderr != *"$1"* ]] || fail "the password appears on stderr:"$'\n'"$stderr"
}

# Every step line has a time; notes have none.
assert_times() {
	local l n=0
	for l in "${lines[@]}"; do
		[[ $l =~ ^\ \ (ok|FAIL|warn)\  ]] || continue
		[[ $l =~ ^\ \ (ok|FAIL|warn)\ +[0-9]+\ ms\ \  ]] || fail "no time on: $l"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no step lines in:"$'\n'"$output"
}

# ------------------------------------------------------- the lab's good proxies

@test "danted with username/password, no HOST:PORT: negotiates, authenticates, associates" {
	chk_auth --check
	assert_success
	assert_line "proxy     $PROXY4:$AUTH_PORT"
	assert_line "user      \"$LAB_USER\", password set (never shown)"
	assert_line --regexp '^settings  the environment: .*SOCKSIFY_PROXY.*\(no configuration file\)$'
	assert_line "timeout   10 s for each step"
	assert_step ok "resolve: $PROXY4 is an address"
	assert_step ok "TCP connect: $PROXY4:$AUTH_PORT"
	assert_step ok "method: username/password (0x02)"
	assert_step ok "authentication: username \"$LAB_USER\" accepted (RFC 1929)"
	assert_line --partial "skip            CONNECT: no HOST:PORT given"
	assert_step ok "UDP ASSOCIATE: relay $PROXY4:"
	assert_times
	assert_verdict "socksify: check passed"
	assert_equal "$stderr" ""
	assert_no_secret "$LAB_PASS"
	assert_no_leaks
}

@test "danted with username/password: CONNECT www.example.test:80 by name, the proxy resolves it" {
	chk -p "socks5://$PROXY4:$DEBUG_PORT" -u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" \
		--check "$WWW_NAME:$HTTP_PORT"
	assert_success
	assert_step ok "authentication: username \"$LAB_USER\" accepted"
	assert_step ok "CONNECT $WWW_NAME:$HTTP_PORT by name: succeeded"
	assert_step ok "UDP ASSOCIATE: relay $PROXY4:"
	assert_no_step "skip"
	assert_verdict "socksify: check passed"
	assert_no_secret "$LAB_PASS"
	# the name itself went to the proxy (ATYP 3), not an address
	run dante_log_wait "$DANTE_DEBUG_LOG" "ATYP: 3 address: ${WWW_NAME//./\\.}\\.$HTTP_PORT"
	assert_success
	assert_no_leaks
}

@test "danted over IPv6, an IPv6 destination: sent as an address" {
	chk -p "socks5://[$PROXY6]:$AUTH_PORT" -u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" \
		--check "[$WORLD6]:$HTTP_PORT"
	assert_success
	assert_line "proxy     [$PROXY6]:$AUTH_PORT"
	assert_step ok "TCP connect: [$PROXY6]:$AUTH_PORT"
	assert_step ok "CONNECT [$WORLD6]:$HTTP_PORT: succeeded"
	assert_verdict "socksify: check passed"
	assert_no_leaks
}

@test "danted without authentication: no RFC 1929 step, CONNECT and UDP pass" {
	chk -p "socks5://$PROXY4:$NOAUTH_PORT" --check "$WWW_NAME:$HTTP_PORT"
	assert_success
	assert_line "user      none: only \"no authentication\" is offered"
	assert_step ok "method: no authentication (0x00)"
	assert_line --partial "skip            authentication: none (no username configured)"
	assert_step ok "CONNECT $WWW_NAME:$HTTP_PORT by name: succeeded"
	assert_step ok "UDP ASSOCIATE: relay $PROXY4:"
	assert_verdict "socksify: check passed"
	assert_no_leaks
}

@test "a username the proxy does not ask for is reported unused" {
	chk -p "socks5://$PROXY4:$NOAUTH_PORT" -u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" --check
	assert_success
	assert_step ok "method: no authentication (0x00)"
	assert_line --partial "skip            authentication: not asked for by the proxy (username \"$LAB_USER\" unused)"
	assert_no_secret "$LAB_PASS"
}

@test "microsocks: CONNECT passes, UDP is reported unsupported, a warning that does not fail" {
	chk -p "socks5://$PROXY4:$MICROSOCKS_PORT" --check "$WWW_NAME:$HTTP_PORT"
	assert_success
	assert_step ok "CONNECT $WWW_NAME:$HTTP_PORT by name: succeeded"
	assert_step warn "UDP: not supported by this proxy (proxy $PROXY4:$MICROSOCKS_PORT does not support the UDP ASSOCIATE command)"
	assert_line --partial "not required: TCP does not need it, but programs' UDP datagrams will fail"
	assert_verdict "socksify: check passed (warning: UDP: not supported by this proxy)"
	assert_no_leaks
}

@test "microsocks without HOST:PORT: the association is the request, still a warning" {
	chk -p "socks5://$PROXY4:$MICROSOCKS_PORT" --check
	assert_success
	assert_step ok "method: no authentication (0x00)"
	assert_step warn "UDP: not supported by this proxy"
	assert_verdict "socksify: check passed (warning: UDP: not supported by this proxy)"
}

# ------------------------------------------------------ the lab's broken ones

@test "wrong password: exit 1, authentication rejected, neither password shown" {
	chk -v -v -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" --password-file "$WRONG_PWFILE" \
		--check "$WWW_NAME:$HTTP_PORT"
	assert_failure 1
	assert_step ok "method: username/password (0x02)"
	assert_step FAIL "authentication: proxy $PROXY4:$AUTH_PORT rejected username \"$LAB_USER\""
	assert_line --partial "hint: check the username and the password"
	assert_no_step "CONNECT $WWW_NAME"
	assert_verdict "socksify: check failed: proxy $PROXY4:$AUTH_PORT rejected username \"$LAB_USER\""
	assert_no_secret "$LAB_PASS"
	assert_no_secret "$(cat "$WRONG_PWFILE")"
	assert_no_leaks
}

@test "no credentials for the authenticating proxy: the method step fails" {
	chk -p "socks5://$PROXY4:$AUTH_PORT" --check
	assert_failure 1
	assert_step FAIL "method: proxy $PROXY4:$AUTH_PORT accepted none of the offered authentication methods"
	assert_verdict "socksify: check failed: proxy $PROXY4:$AUTH_PORT accepted none of the offered authentication methods (offered: none; it may want a username and password)"
}

@test "proxy down: connection refused, exit 1 at once" {
	chk -p "socks5://$PROXY4:9" --check "$WWW_NAME:$HTTP_PORT"
	assert_failure 1
	assert_step ok "resolve: $PROXY4 is an address"
	assert_step FAIL "TCP connect: cannot connect to proxy $PROXY4:9: Connection refused"
	assert_line --partial "hint: is the proxy running, and on this port?"
	assert_verdict "socksify: check failed: cannot connect to proxy $PROXY4:9: Connection refused"
	[ "$ELAPSED_MS" -lt 3000 ] || fail "took $ELAPSED_MS ms"
	assert_no_leaks
}

@test "a name the proxy cannot resolve: CONNECT fails (host unreachable), exit 1" {
	chk_auth --check "$NX_NAME:$HTTP_PORT"
	assert_failure 1
	assert_step ok "authentication: username \"$LAB_USER\" accepted"
	assert_step FAIL "CONNECT $NX_NAME:$HTTP_PORT by name: proxy $PROXY4:$AUTH_PORT: host unreachable for $NX_NAME:$HTTP_PORT"
	assert_line --partial "hint: the proxy works; it could not reach the destination"
	assert_verdict "socksify: check failed: proxy $PROXY4:$AUTH_PORT: host unreachable for $NX_NAME:$HTTP_PORT"
	assert_no_step "UDP"
	assert_no_leaks
}

@test "a port nobody listens on behind the proxy: CONNECT refused, exit 1" {
	chk_auth --check "$WORLD4:9"
	assert_failure 1
	assert_step FAIL "CONNECT $WORLD4:9: proxy $PROXY4:$AUTH_PORT: $WORLD4:9 refused the connection"
	assert_verdict "socksify: check failed: proxy $PROXY4:$AUTH_PORT: $WORLD4:9 refused the connection"
	assert_no_leaks
}

@test "a proxy host name that does not resolve: the resolve step fails" {
	chk -p "socks5://$NX_NAME:$AUTH_PORT" --check
	assert_failure 1
	assert_step FAIL "resolve: cannot resolve proxy host $NX_NAME:$AUTH_PORT: "
	assert_regex "${lines[${#lines[@]} - 1]}" "^socksify: check failed: cannot resolve proxy host $NX_NAME:$AUTH_PORT: "
	[ "$ELAPSED_MS" -lt 12000 ] || fail "took $ELAPSED_MS ms"
}

@test "a resolver that never answers: the resolve step gives up at --timeout" {
	# a private network and mount namespace: only its loopback, where a
	# nameserver reads queries and never answers (it exits by itself)
	local etc="$BATS_TEST_TMPDIR/etc"
	mkdir -p "$etc"
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$etc/resolv.conf"
	printf 'hosts: files dns\n' >"$etc/nsswitch.conf"
	timed unshare --net --mount bash -c '
		ip link set lo up &&
		mount --bind "$1/resolv.conf" /etc/resolv.conf &&
		mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf || exit 99
		"$2" -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"127.0.0.1\", 53))
s.settimeout(15)
print(\"ready\", flush=True)
try:
    while True:
        s.recvfrom(4096)
except socket.timeout:
    pass" >"$1/dns.out" &
		dns=$!
		for _ in $(seq 100); do grep -q ready "$1/dns.out" && break; sleep 0.05; done
		"$3" -t 1 -p socks5://proxy.nowhere.test:1080 --check
		rc=$?
		kill "$dns"
		exit "$rc"' check "$etc" "$PYTHON" "$SOCKSIFY"
	assert_failure 1
	assert_step FAIL "resolve: cannot resolve proxy host proxy.nowhere.test:1080: the resolver did not answer in time"
	assert_verdict "socksify: check failed: cannot resolve proxy host proxy.nowhere.test:1080: the resolver did not answer in time"
	[ "$ELAPSED_MS" -lt 3000 ] || fail "took $ELAPSED_MS ms, expected about 1000"
}

# ------------------------------------------- the fake proxy: silence and faults

@test "fake proxy ok: the CONNECT carries the name (ATYP 3), the association is a second connection" {
	start_proxy ok
	chk_fake --check www.example.test:443
	assert_success
	assert_verdict "socksify: check passed"
	assert_equal "$(recorded greeting methods)" "[0,2]"
	assert_equal "$(recorded auth user)" '"alice"'
	assert_equal "$(recorded request cmd)" 1
	assert_equal "$(recorded request atyp)" 3
	assert_equal "$(recorded request addr)" '"www.example.test"'
	assert_equal "$(recorded request port)" 443
	assert_equal "$(recorded request cmd 2)" 3
	assert_equal "$(recorded request conn 2)" 2
	assert_no_secret secret
}

@test "an IPv4 destination goes as ATYP 1; a direct one is noted, and checked all the same" {
	start_proxy ok
	chk_fake --check 127.0.0.1:8080
	assert_success
	assert_line --partial "info            note: programs reach 127.0.0.1:8080 without the proxy (it is in the direct list)"
	assert_step ok "CONNECT 127.0.0.1:8080: succeeded"
	assert_equal "$(recorded request atyp)" 1
	assert_equal "$(recorded request addr)" '"127.0.0.1"'
}

@test "a placeholder address as HOST: refused as the library would" {
	start_proxy ok
	chk_fake --check 198.18.0.9:80
	assert_failure 1
	assert_step FAIL "CONNECT: 198.18.0.9:80 is a fake-DNS placeholder"
	assert_equal "$(recorded request cmd)" ""
}

@test "the proxy named by host name: resolved, then reached over IPv4" {
	start_proxy ok
	chk_local -t 2 -p "socks5://localhost:$PORT" --check
	assert_success
	assert_step ok "resolve: localhost is "
	assert_step ok "TCP connect: 127.0.0.1:$PORT"
}

@test "silent proxy: the handshake times out within --timeout, exit 1" {
	start_proxy silent
	chk_local -t 1 -p "socks5://127.0.0.1:$PORT" --check "$WWW_NAME:80"
	assert_failure 1
	assert_step ok "TCP connect: 127.0.0.1:$PORT"
	assert_step FAIL "method: proxy 127.0.0.1:$PORT did not answer within 1 s"
	assert_verdict "socksify: check failed: proxy 127.0.0.1:$PORT did not answer within 1 s (connecting to $WWW_NAME:80)"
	[ "$ELAPSED_MS" -ge 900 ] && [ "$ELAPSED_MS" -lt 2500 ] ||
		fail "took $ELAPSED_MS ms, expected about 1000"
}

@test "proxy that never completes the TCP handshake: connect times out within --timeout" {
	start_proxy backlog-full
	chk_local -t 0.5 -p "socks5://127.0.0.1:$PORT" --check
	assert_failure 1
	assert_step FAIL "TCP connect: proxy 127.0.0.1:$PORT did not answer within 0.500 s"
	[ "$ELAPSED_MS" -lt 2000 ] || fail "took $ELAPSED_MS ms, expected about 500"
}

@test "silent after authentication: the CONNECT step times out" {
	start_proxy silent-after-auth
	chk_fake -t 1 --check "$WWW_NAME:80"
	assert_failure 1
	assert_step ok "authentication: username \"alice\" accepted"
	assert_step FAIL "CONNECT $WWW_NAME:80 by name: proxy 127.0.0.1:$PORT did not answer within 1 s"
	[ "$ELAPSED_MS" -lt 2500 ] || fail "took $ELAPSED_MS ms"
}

# fake_fails SCENARIO STEP LINE: exit 1, the step fails with the library's
# line (@PORT@ stands for the fake proxy's port), which is also the
# verdict; quick; no password.
fake_fails() {
	start_proxy "$1"
	local want=${3//@PORT@/$PORT}
	chk_fake --check "$WWW_NAME:80"
	assert_failure 1
	assert_step FAIL "$2: $want"
	assert_regex "${lines[${#lines[@]} - 1]}" "^socksify: check failed: "
	[[ ${lines[${#lines[@]} - 1]} == *"$want"* ]] || fail "the verdict does not say: $want"
	[ "$ELAPSED_MS" -lt 1500 ] || fail "took $ELAPSED_MS ms, expected an immediate failure"
	assert_no_secret secret
}

@test "garbage instead of a method reply: malformed" {
	fake_fails garbage method \
		"proxy 127.0.0.1:@PORT@ sent a malformed reply (wrong version byte in the method selection reply)"
}

@test "wrong version in the method reply: malformed" {
	fake_fails wrong-version method \
		"proxy 127.0.0.1:@PORT@ sent a malformed reply (wrong version byte in the method selection reply)"
}

@test "a method that was not offered (GSSAPI)" {
	fake_fails method-not-offered method \
		"proxy 127.0.0.1:@PORT@ chose authentication method 0x01, which was not offered"
}

@test "every method refused (0xFF)" {
	fake_fails refuse-methods method \
		"proxy 127.0.0.1:@PORT@ accepted none of the offered authentication methods"
}

@test "close after the greeting" {
	fake_fails close-after-greeting method \
		"proxy 127.0.0.1:@PORT@ closed the connection during the handshake"
}

@test "reset after the greeting" {
	fake_fails reset method "proxy 127.0.0.1:@PORT@ closed the connection during the handshake"
}

@test "authentication rejected by the fake proxy" {
	fake_fails auth-fail authentication "proxy 127.0.0.1:@PORT@ rejected username \"alice\""
}

@test "wrong version in the authentication reply: malformed" {
	fake_fails auth-bad-version authentication \
		"proxy 127.0.0.1:@PORT@ sent a malformed reply (wrong version byte in the authentication reply)"
}

@test "a truncated CONNECT reply" {
	fake_fails truncated-6 "CONNECT $WWW_NAME:80 by name" \
		"proxy 127.0.0.1:@PORT@ closed the connection during the handshake"
}

@test "a CONNECT reply with an empty domain name: malformed" {
	fake_fails domain-0 "CONNECT $WWW_NAME:80 by name" \
		"proxy 127.0.0.1:@PORT@ sent a malformed reply (length field out of range in the reply)"
}

@test "a CONNECT reply with an unknown address type: malformed" {
	fake_fails bad-atyp "CONNECT $WWW_NAME:80 by name" \
		"proxy 127.0.0.1:@PORT@ sent a malformed reply (unknown address type in the reply)"
}

@test "reset instead of the CONNECT reply" {
	fake_fails reset-after-request "CONNECT $WWW_NAME:80 by name" \
		"proxy 127.0.0.1:@PORT@ closed the connection during the handshake"
}

@test "CONNECT not allowed by the proxy's rules (REP 2)" {
	fake_fails rep-2 "CONNECT $WWW_NAME:80 by name" \
		"proxy 127.0.0.1:@PORT@: CONNECT to $WWW_NAME:80 not allowed by its rules"
}

@test "an unknown reply code names the code" {
	fake_fails rep-9 "CONNECT $WWW_NAME:80 by name" \
		"proxy 127.0.0.1:@PORT@ answered $WWW_NAME:80 with unknown reply code 0x09"
}

@test "REP 7 to the association without HOST:PORT: UDP unsupported, a warning, exit 0" {
	start_proxy rep-7
	chk_fake --check
	assert_success
	assert_step ok "authentication: username \"alice\" accepted"
	assert_step warn "UDP: not supported by this proxy"
	assert_verdict "socksify: check passed (warning: UDP: not supported by this proxy)"
	assert_equal "$(recorded request cmd)" 3
}

# ------------------------------------------------- configuration and usage

@test "settings from a configuration file: its path, and the environment that overrides it" {
	start_proxy ok
	mkdir -p "$XDG_CONFIG_HOME/socksify"
	local conf="$XDG_CONFIG_HOME/socksify/socksify.conf"
	(umask 077 && printf 'proxy = socks5://alice:secret@127.0.0.1:%s\ntimeout = 2\n' "$PORT" >"$conf")
	chk_local --check
	rm -f "$conf"
	assert_success
	assert_line "proxy     127.0.0.1:$PORT"
	assert_line "user      \"alice\", password set (never shown)"
	assert_line "settings  $conf"
	assert_line "timeout   2 s for each step"
	assert_verdict "socksify: check passed"
	assert_no_secret secret

	printf 'proxy = socks5://127.0.0.1:9\n' >"$conf"
	SOCKSIFY_PROXY="socks5://127.0.0.1:$PORT" chk_local -t 1.5 --check
	rm -f "$conf"
	assert_success
	# the names in the environment's order
	assert_line --regexp "^settings  $conf, then the environment: SOCKSIFY_[A-Z_]+, SOCKSIFY_[A-Z_]+\$"
	assert_line --partial "SOCKSIFY_PROXY"
	assert_line --partial "SOCKSIFY_TIMEOUT"
	assert_line "timeout   1.500 s for each step"
}

@test "no password at any verbosity: URL, environment, file" {
	start_proxy auth-fail
	local v
	for v in "" -v "-v -v" -q; do
		# shellcheck disable=SC2086
		chk_local $v -t 2 -p "socks5://alice:secret@127.0.0.1:$PORT" --check "$WWW_NAME:80"
		assert_failure 1
		assert_no_secret secret
		# shellcheck disable=SC2086
		SOCKSIFY_PASSWORD=secret chk_local $v -t 2 -p "socks5://alice@127.0.0.1:$PORT" --check
		assert_failure 1
		assert_no_secret secret
		assert_line --partial "SOCKSIFY_PASSWORD"
	done
}

@test "an invalid configuration: exit 1, the error as the verdict" {
	chk_local -p "socks5://127.0.0.1:1080" -t nonsense --check
	assert_failure 1
	assert_line --partial "FAIL            configuration: SOCKSIFY_TIMEOUT: timeout is in seconds"
	assert_verdict "socksify: check failed: SOCKSIFY_TIMEOUT: timeout is in seconds, from 0.001 to 3600 (e.g. 10 or 2.5)"
	assert_no_step "TCP connect"
}

@test "no proxy configured: exit 1, says how to configure one" {
	chk_local --check
	assert_failure 1
	assert_line "proxy     none"
	assert_verdict "socksify: check failed: no proxy configured: use -p socks5://host:port, SOCKSIFY_PROXY, or proxy = ... in socksify.conf"
}

@test "DNS lines: defaults, then dns_intercept, dns_upstream, fake_range and fake_ipv6 as configured" {
	start_proxy ok
	chk_fake --check
	assert_success
	assert_line --partial "info            DNS: names get placeholders from 198.18.0.0/15 and fd53:6b73:6679::/64, the proxy resolves them"
	assert_line --partial "DNS: programs' own queries: answered from the same table (dns_intercept on)"
	assert_line --partial "DNS: other record types: none: MX/TXT/... are refused (dns_upstream)"

	SOCKSIFY_DNS_INTERCEPT=off SOCKSIFY_DNS_UPSTREAM=203.0.113.53 SOCKSIFY_FAKE_IPV6=off \
		SOCKSIFY_FAKE_RANGE=203.0.113.0/24 SOCKSIFY_DIRECT_HOSTS='*.corp.test' chk_fake --check
	assert_success
	assert_line --partial "DNS: names get placeholders from 203.0.113.0/24 (fake_ipv6 off), the proxy resolves them"
	assert_line --partial "DNS: names matching direct_hosts are resolved here and reached directly: *.corp.test"
	assert_line --partial "DNS: programs' own queries: not intercepted (dns_intercept off)"
	assert_line --partial "DNS: other record types: through the proxy to 203.0.113.53:53 (dns_upstream), by UDP or, when the proxy refuses UDP, by DNS over TCP"
}

@test "usage errors exit 2 with nothing on stdout" {
	local arg
	for arg in nohostport host:0 host:65536 host:http "2001:db8::1:80" "[www.example.test]:80" ":80"; do
		chk_local -p socks5://127.0.0.1:9 --check "$arg"
		assert_failure 2
		assert_equal "$output" ""
		[[ $stderr == *"--check takes one optional HOST:PORT"* ]] || fail "for '$arg': $stderr"
	done
	chk_local -p socks5://127.0.0.1:9 --check a.test:1 b.test:2
	assert_failure 2
}

@test "--help and socksify(1) document --check" {
	run "$SOCKSIFY" --help
	assert_success
	assert_line --partial "socksify [options] --check [HOST:PORT]"
	assert_line --regexp '^      --check \[HOST:PORT\] '
	run grep -c 'check passed' "$REPO/man/socksify.1"
	assert_success
	run grep -e '^\.SS Checking the proxy$' "$REPO/man/socksify.1"
	assert_success
	run grep -e '^\.BR \\-\\-check ' "$REPO/man/socksify.1"
	assert_success
}
