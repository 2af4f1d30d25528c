#!/usr/bin/env bats
# Leak proof (issue 8): every kind of client the project supports -- curl,
# wget, python TCP and UDP, dig (UDP, TCP, MX through dns_upstream, an
# explicit @server), Node.js (c-ares and getaddrinfo), socat, ncat, getent,
# res_query -- run as nobody in the lab's client namespace, whose nftables
# output chain counts every packet not addressed to the proxy (loopback port
# 53 included). Through a working proxy every client succeeds; with the
# proxy unreachable, with no configuration at all and with a broken
# configuration they fail, or answer from the placeholder table, and in all
# four cases the counters stay at 0: nothing ever leaves directly.

load lab_suite

setup_file() {
	lab_suite_up
	local h="$REPO/tests/helpers"
	install -m 644 "$h/udp_once.py" "$h/resolve4.js" "$NOBODY_DIR/"
	cc -Wall -o "$NOBODY_DIR/res_query" "$h/res_query.c" -lresolv ||
		lab_fail "cannot build tests/helpers/res_query.c" || return 1
	printf 'proxy = socks5://%s:%s\ncolour = blue\n' "$PROXY4" "$AUTH_PORT" >"$NOBODY_DIR/broken.conf"
	chmod 644 "$NOBODY_DIR/broken.conf"
}

# The clients, one shell command each, every one bounded.
CLIENTS=(
	'curl -sS --max-time 10 http://www.example.test/'
	'curl -sS --max-time 10 http://203.0.113.10/'
	'curl -sS --max-time 10 "http://[2001:db8:2::10]/"'
	'wget -q -T 10 -t 1 -O - http://www.example.test/'
	'python3 -c "import socket; s = socket.create_connection((\"echo.example.test\", 7), 10); s.sendall(b\"x\"); assert s.recv(1) == b\"x\""'
	'python3 "$D/udp_once.py" echo.example.test 7 --count 2'
	'python3 "$D/udp_once.py" 203.0.113.10 7'
	'dig +time=2 +tries=1 +short www.example.test | grep -q .'
	'dig +tcp +time=2 +tries=1 +short www.example.test | grep -q .'
	'dig +time=2 +tries=1 +short MX example.test | grep -q mail'
	'dig @203.0.113.10 +time=2 +tries=1 +short www.example.test | grep -qx 203.0.113.10'
	'node "$D/resolve4.js" www.example.test | grep -q "^A "'
	'node -e "require(\"http\").get(\"http://www.example.test/\", r => process.exit(r.statusCode == 200 ? 0 : 1)).on(\"error\", () => process.exit(1))"'
	'echo x | socat -T 5 - UDP:echo.example.test:7 | grep -qx x'
	'echo x | ncat -w 5 echo.example.test 7 | grep -qx x'
	'getent ahosts www.example.test | grep -q STREAM'
	'"$D/res_query" www.example.test A | grep -q .'
)

# run_clients PREFIX...: every client as nobody through PREFIX (the wrapper
# with its options, or env LD_PRELOAD=...); prints "ok N" or "failed N" each.
run_clients() {
	local i
	for i in "${!CLIENTS[@]}"; do
		if in_client timeout 40 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg" D="$NOBODY_DIR" \
			SOCKSIFY_DNS_UPSTREAM="$WORLD_DNS4" "$@" sh -c "${CLIENTS[$i]}" >/dev/null 2>&1; then
			echo "ok $i"
		else
			echo "failed $i: ${CLIENTS[$i]}"
		fi
	done
}

@test "through the proxy: every client works, nothing leaves directly" {
	run run_clients "$NOBODY_DIR/socksify" -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$NOBODY_DIR/password" --
	refute_output --partial failed
	[ "${#lines[@]}" -eq "${#CLIENTS[@]}" ]
}

@test "proxy unreachable: clients fail, nothing leaves directly" {
	run run_clients "$NOBODY_DIR/socksify" -t 3 -p "socks5://$PROXY4:9" --
	# only what the placeholder table answers alone may succeed
	refute_output --regexp '^ok (0|1|2|3|4|5|6|10|12|13|14)$'
}

@test "no configuration at all (the library alone): clients fail, nothing leaves directly" {
	run run_clients env LD_PRELOAD="$NOBODY_DIR/libsocksify.so"
	refute_output --regexp '^ok (0|1|2|3|4|5|6|10|12|13|14)$'
}

@test "a broken configuration (the library alone): clients fail, nothing leaves directly" {
	run run_clients env LD_PRELOAD="$NOBODY_DIR/libsocksify.so" SOCKSIFY_CONF="$NOBODY_DIR/broken.conf"
	refute_output --regexp '^ok (0|1|2|3|4|5|6|10|12|13|14)$'
}
