#!/bin/bash
# make demo: socksify curl through a throwaway SOCKS5 server that wants a
# username and password, against a web server reachable only through it.
# As root: network namespaces and danted (scripts/lab.sh), curl by name,
# dig answered by the library, a UDP echo through the relay. Otherwise:
# microsocks and a web server on loopback, with loopback proxied (-d none).
# Never touches the real network; cleans up after itself.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOCKSIFY="$REPO/build/socksify"
say() { printf '\n== %s\n' "$*"; }

missing_tools() {
	local tool
	for tool in "$@"; do command -v "$tool" >/dev/null || echo "$tool"; done
}

ensure_tools() {
	local missing
	missing=$(missing_tools "$@")
	[ -z "$missing" ] && return
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: missing $(echo $missing); install them first: sudo $REPO/scripts/install-deps.sh" >&2
		exit 1
	fi
	"$REPO/scripts/install-deps.sh"
}

DIR=$(mktemp -d /tmp/socksify-demo.XXXXXX)
PIDS=()
lab() { LAB_TAG=sxdemo LAB_DIR="$DIR/lab" LAB_QUIET=1 "$REPO/scripts/lab.sh" "$@"; }
cleanup() {
	local rc=$?
	[ ! -e "$DIR/lab/lab.env" ] || lab down || true
	if [ ${#PIDS[@]} -gt 0 ]; then
		kill "${PIDS[@]}" 2>/dev/null || true
		wait "${PIDS[@]}" 2>/dev/null || true
	fi
	rm -rf "$DIR"
	exit "$rc"
}
trap cleanup EXIT

demo_lab() {
	lab up
	# shellcheck disable=SC1091
	. "$DIR/lab/lab.env"
	local sx=("$SOCKSIFY" -v -p "socks5://$LAB_USER@$PROXY4:$AUTH_PORT" --password-file "$LAB_PASSWORD_FILE")
	local udp_echo='import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b"hello over UDP",(sys.argv[1],7)); data,src=s.recvfrom(100); print(data.decode(),"<- from",src[0],src[1])'

	say "a client namespace that can reach nothing but the proxy $PROXY4:$AUTH_PORT (danted, user $LAB_USER)"
	say "socksify -v curl http://$WWW_NAME/   (by name: the proxy resolves it; the password comes from a file)"
	ip netns exec "$LAB_CLIENT_NS" "${sx[@]}" -- curl -sS --max-time 10 "http://$WWW_NAME/" 2>&1
	say "danted's log line for that connection"
	sleep 0.2
	grep -E 'tcp/connect' "$DANTE_LOG" | tail -n 2 || true
	say "socksify dig +short $WWW_NAME   (dig's own query, answered with the placeholder curl got)"
	ip netns exec "$LAB_CLIENT_NS" "${sx[@]}" -- dig +short +time=2 +tries=1 "$WWW_NAME" 2>&1
	say "socksify python3: a UDP round trip to $ECHO_NAME port 7 through danted's UDP relay"
	ip netns exec "$LAB_CLIENT_NS" "${sx[@]}" -- python3 -c "$udp_echo" "$ECHO_NAME" 2>&1
	say "packets that tried to leave the client namespace other than to the proxy: $(lab leaks)"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

demo_loopback() {
	local dir="$DIR" proxy_port http_port password
	password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf '%s\n' "$password" >"$dir/password"
	chmod 600 "$dir/password"
	mkdir "$dir/www"
	echo "<h1>Hello through socksify</h1>" >"$dir/www/index.html"
	proxy_port=$(free_port)
	http_port=$(free_port)
	microsocks -i 127.0.0.1 -p "$proxy_port" -u demo -P "$password" >"$dir/microsocks.log" 2>&1 &
	PIDS+=($!)
	python3 -m http.server -b 127.0.0.1 -d "$dir/www" "$http_port" >/dev/null 2>&1 &
	PIDS+=($!)
	sleep 0.5

	say "not root: microsocks on 127.0.0.1:$proxy_port (user demo, generated password) and a web server on loopback"
	say "socksify -v -d none curl http://127.0.0.1:$http_port/   (-d none: loopback is proxied too)"
	"$SOCKSIFY" -v -d none -p "socks5://demo@127.0.0.1:$proxy_port" --password-file "$dir/password" \
		-- curl -sS --max-time 10 "http://127.0.0.1:$http_port/" 2>&1
	say "microsocks' log line for that connection"
	cat "$dir/microsocks.log"
}

if [ "$(id -u)" -eq 0 ]; then
	ensure_tools make cc curl dig python3 ip nft /usr/sbin/danted microsocks
else
	ensure_tools make cc curl python3 microsocks
fi
make -s -C "$REPO" all
if [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1; then
	demo_lab
else
	demo_loopback
fi
