# Shared helper for the bats integration suites: brings up the namespace lab
# of scripts/lab.sh (one lab per suite file, tagged after the file name) and
# provides helpers to run commands in its client namespace.
#
#   setup_file()    { lab_up; }
#   teardown_file() { lab_down; }
#
# After lab_up, every variable of $LAB_DIR/lab.env is exported (PROXY4,
# PROXY6, AUTH_PORT, NOAUTH_PORT, MICROSOCKS_PORT, DEBUG_PORT, WORLD4, WORLD6,
# HTTP_PORT, ECHO_PORT, LAB_USER, LAB_PASS, LAB_PASSWORD_FILE, DANTE_LOG,
# DANTE_DEBUG_LOG, MARKER, BIGFILE_SHA256, LAB_CLIENT_NS, ...) and the DNS
# side: WWW_NAME, ECHO_NAME (both families), V4ONLY_NAME, V6ONLY_NAME,
# NX_NAME (resolved only by the proxy namespace, NX_NAME not at all),
# CLIENT_DNS4 and CLIENT_DNS_STUB (the client's unanswered nameservers),
# CLIENT_HOSTNAME. UDP: UDP_ECHO_PORT (the world's UDP echo, both
# addresses), WORLD_DNS4/WORLD_DNS6 and WORLD_DNS_PORT (the world's DNS
# server, UDP and TCP: A/AAAA for WWW_NAME, MX and TXT for example.test,
# NXDOMAIN otherwise; its log WORLD_DNS_LOG).

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO
# Never a bare `socksify` from PATH (Dante installs its own): the project's build.
export SOCKSIFY="${SOCKSIFY:-$REPO/build/socksify}"
export LAB_SH="$REPO/scripts/lab.sh"
export HELPERS="$REPO/tests/bats/helpers"
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
export PYTHON

# Nothing from the caller's environment may steer the programs under test.
unset http_proxy https_proxy ftp_proxy all_proxy no_proxy \
	HTTP_PROXY HTTPS_PROXY FTP_PROXY ALL_PROXY NO_PROXY CURL_HOME WGETRC
for _v in $(compgen -e); do
	case "$_v" in SOCKSIFY_*) unset "$_v" ;; esac
done
unset _v

# lab_tag: a short tag unique to the suite file: "sx" + its basename reduced
# to [a-z0-9], long names shortened and disambiguated by a hash.
lab_tag() {
	local base name
	base=$(basename "${BATS_TEST_FILENAME:-lab}" .bats)
	name=$(printf '%s' "$base" | tr '[:upper:]' '[:lower:]' | tr -cd 'a-z0-9')
	if [ ${#name} -gt 8 ] || [ "$name" != "$base" ]; then
		name="${name:0:5}$(printf '%s' "$base" | cksum | cut -c1-4)"
	fi
	printf 'sx%s\n' "$name"
}

lab_fail() {
	echo "lab: $*" >&2
	return 1
}

lab_check_host() {
	[ "$(id -u)" -eq 0 ] ||
		lab_fail "the integration suites need root (network namespaces, nftables, a lab account); run them as root" || return 1
	command -v ip >/dev/null ||
		lab_fail "ip (iproute2) is not installed" || return 1
	ip netns list >/dev/null 2>&1 ||
		lab_fail "'ip netns' is not usable here (no network-namespace support?)" || return 1
	local tool
	for tool in nft /usr/sbin/danted microsocks openssl ss setsid; do
		command -v "$tool" >/dev/null ||
			lab_fail "$tool is not installed (see scripts/install-deps.sh)" || return 1
	done
}

lab_up() {
	lab_check_host || return 1
	LAB_TAG=$(lab_tag)
	LAB_DIR="/tmp/socksify-lab-$LAB_TAG"
	export LAB_TAG LAB_DIR
	if ! "$LAB_SH" up; then
		lab_fail "scripts/lab.sh up failed (tag $LAB_TAG, dir $LAB_DIR)"
		return 1
	fi
	set -a
	# shellcheck disable=SC1091
	. "$LAB_DIR/lab.env"
	set +a
}

lab_down() {
	[ -n "${LAB_TAG:-}" ] || LAB_TAG=$(lab_tag)
	[ -n "${LAB_DIR:-}" ] || LAB_DIR="/tmp/socksify-lab-$LAB_TAG"
	LAB_TAG="$LAB_TAG" LAB_DIR="$LAB_DIR" "$LAB_SH" down
}

# in_client CMD [ARGS...]: run CMD in the lab's client namespace.
in_client() {
	ip netns exec "$LAB_CLIENT_NS" "$@"
}

# in_proxy / in_world: the same for the other namespaces.
in_proxy() {
	ip netns exec "$LAB_PROXY_NS" "$@"
}
in_world() {
	ip netns exec "$LAB_WORLD_NS" "$@"
}

# leaks: packets the client namespace tried to send anywhere but the proxy.
leaks() {
	"$LAB_SH" leaks
}

# dns_leaks: the part of leaks that went to port 53 (TCP or UDP, any address,
# loopback included).
dns_leaks() {
	"$LAB_SH" dns-leaks
}

reset_leaks() {
	"$LAB_SH" reset-leaks
}

assert_no_leaks() {
	local n
	n=$(leaks) || fail "cannot read the lab's leak counter"
	[ "$n" -eq 0 ] || fail "the client namespace leaked $n packet(s) past the proxy"
}

# require_socksify: fail (not skip) when the build is missing.
require_socksify() {
	[ -x "$SOCKSIFY" ] ||
		lab_fail "socksify wrapper not found at $SOCKSIFY (run make, or set SOCKSIFY)" || return 1
}

# socksified CMD [ARGS...]: CMD in the client namespace, through the lab's
# authenticating danted over IPv4 (password from the password file).
socksified() {
	in_client timeout "${SOCKSIFIED_TIMEOUT:-30}" "$SOCKSIFY" -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- "$@"
}

# dante_log_wait FILE REGEX [SECONDS]: wait until FILE has a line matching
# the extended REGEX; print the matching lines.
dante_log_wait() {
	local file=$1 re=$2 secs=${3:-3} _
	for _ in $(seq $((secs * 20))); do
		grep -E -- "$re" "$file" && return 0
		sleep 0.05
	done
	return 1
}

# Every test, passing or not, must leave both counters at 0 (suites use it
# as their teardown).
assert_no_leaks_at_all() {
	local n d
	n=$(leaks) || fail "cannot read the lab's leak counter"
	d=$(dns_leaks) || fail "cannot read the lab's DNS leak counter"
	if [ "$n" -ne 0 ] || [ "$d" -ne 0 ]; then
		fail "the client namespace leaked $n packet(s), $d of them DNS"
	fi
}

# sxw [OPTIONS] -- CMD...: the wrapper in the client namespace, bounded.
sxw() {
	in_client timeout 30 "$SOCKSIFY" "$@"
}

# sx CMD...: CMD through the authenticating danted over IPv4.
sx() {
	sxw -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- "$@"
}

# sx_debug CMD...: through the danted whose debug log shows each request
# (and each datagram's target) as received.
sx_debug() {
	sxw -p "socks5://$PROXY4:$DEBUG_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- "$@"
}

# sx_nobody CMD...: through danted as nobody, from the copies of the wrapper,
# library and password file in NOBODY_DIR (the checkout may not be readable).
sx_nobody() {
	in_client timeout 30 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg" \
		"$NOBODY_DIR/socksify" -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$NOBODY_DIR/password" -- "$@"
}

# lab_suite_up: a suite's setup_file: the lab, an empty config home, and the
# copies the runs as nobody use (the wrapper and the library, which it
# finds beside itself, a password file nobody can read and an empty config
# home) in NOBODY_DIR, which nobody can reach wherever the checkout lives.
lab_suite_up() {
	require_socksify
	lab_up
	# no user or system socksify.conf may change what the tests see
	export XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/xdg"
	mkdir -p "$XDG_CONFIG_HOME"
	[ ! -e /etc/socksify.conf ] ||
		echo "# warning: /etc/socksify.conf exists and may affect these tests" >&3
	local lib="${LIBSOCKSIFY:-$(dirname "$SOCKSIFY")/libsocksify.so}"
	[ -f "$lib" ] || lab_fail "no library at $lib (run make, or set LIBSOCKSIFY)" || return 1
	NOBODY_DIR=$(mktemp -d /tmp/socksify-nobody.XXXXXX)
	export NOBODY_DIR
	chmod 755 "$NOBODY_DIR"
	install -m 755 "$SOCKSIFY" "$NOBODY_DIR/socksify"
	install -m 644 "$lib" "$NOBODY_DIR/libsocksify.so"
	install -m 600 -o nobody -g nogroup "$LAB_PASSWORD_FILE" "$NOBODY_DIR/password"
	mkdir -m 755 "$NOBODY_DIR/xdg"
}

# lab_suite_down: the matching teardown_file.
lab_suite_down() {
	case "${NOBODY_DIR:-}" in
	/tmp/socksify-nobody.*) rm -rf -- "$NOBODY_DIR" ;;
	esac
	lab_down
}
