#!/bin/bash
# Network-namespace test lab for socksify.
#
#   scripts/lab.sh up | down | status | leaks | reset-leaks | env | exec CMD...
#
# Three namespaces, named after LAB_TAG (default "sx"):
#
#   ${TAG}-client  198.51.100.2/24  2001:db8:1::2/64   default routes via proxy
#        | veth c0 <-> p0 (no forwarding in the proxy namespace)
#   ${TAG}-proxy   198.51.100.1/24  2001:db8:1::1/64   danted :1080 (username)
#                  203.0.113.1/24   2001:db8:2::1/64   danted :1081 (none)
#        | veth p1 <-> w0                              microsocks :1082
#   ${TAG}-world   203.0.113.10/24  2001:db8:2::10/64  HTTP :80, TCP echo :7
#
# The client namespace's nftables output chain accepts loopback (except port
# 53) and packets to the proxy, and counts in the named counter "leaks" then
# rejects everything else.  State (configs, logs, pid files, lab.env) lives in
# LAB_DIR (default /tmp/socksify-lab).  Only processes the lab started are
# killed, by recorded PID, after checking they still run in a lab namespace.
set -euo pipefail

LAB_TAG="${LAB_TAG:-sx}"
LAB_DIR="${LAB_DIR:-/tmp/socksify-lab}"
DANTED="${LAB_DANTED:-/usr/sbin/danted}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PROXY4=198.51.100.1
PROXY6=2001:db8:1::1
CLIENT4=198.51.100.2
CLIENT6=2001:db8:1::2
PROXYW4=203.0.113.1
PROXYW6=2001:db8:2::1
WORLD4=203.0.113.10
WORLD6=2001:db8:2::10
AUTH_PORT=1080
NOAUTH_PORT=1081
MICROSOCKS_PORT=1082
HTTP_PORT=80
ECHO_PORT=7
NFT_TABLE=socksify_lab
# locally administered MACs of the veth ends (each lives in its own namespace)
MAC_C0=02:5e:00:00:01:02
MAC_P0=02:5e:00:00:01:01
MAC_P1=02:5e:00:00:02:01
MAC_W0=02:5e:00:00:02:10
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi

die() { echo "lab: $*" >&2; exit 1; }
log() { [ -n "${LAB_QUIET:-}" ] || echo "lab: $*" >&2; }

[[ "$LAB_TAG" =~ ^[a-z][a-z0-9]{0,11}$ ]] ||
	die "LAB_TAG must match [a-z][a-z0-9]{0,11} (got '$LAB_TAG')"
case "$LAB_DIR" in
/ | /tmp | /tmp/ | "") die "refusing LAB_DIR='$LAB_DIR'" ;;
/*) ;;
*) die "LAB_DIR must be an absolute path (got '$LAB_DIR')" ;;
esac

NS_CLIENT="${LAB_TAG}-client"
NS_PROXY="${LAB_TAG}-proxy"
NS_WORLD="${LAB_TAG}-world"
LAB_NAMESPACES=("$NS_CLIENT" "$NS_PROXY" "$NS_WORLD")
LAB_USER="sxlab-${LAB_TAG}"
STAMP="$LAB_DIR/.socksify-lab"

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_exists() { [ -e "/run/netns/$1" ]; }
is_lab_ns() {
	local n
	for n in "${LAB_NAMESPACES[@]}"; do [ "$1" = "$n" ] && return 0; done
	return 1
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, useradd)"
	command -v ip >/dev/null || die "ip (iproute2) not found"
}

# ---------------------------------------------------------------- teardown --

# starttime PID: the process's start time (clock ticks since boot, field 22
# of /proc/PID/stat); with the PID it identifies one process for good.
starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"
}

# is_recorded PID START: true while that very process (not a reused PID) is
# alive and not yet a zombie.
is_recorded() {
	local st state
	st=$(starttime "$1") || return 1
	[ "$st" = "$2" ] || return 1
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ "$state" != Z ]
}

# True if PID is alive and runs in one of this lab's namespaces.
pid_in_lab() {
	local pid=$1 ns
	[ -d "/proc/$pid" ] || return 1
	for ns in $(ip netns identify "$pid" 2>/dev/null); do
		is_lab_ns "$ns" && return 0
	done
	return 1
}

# Kill one recorded process group (every server is started under setsid, so
# its PID is also its process group id) and wait for it to go.
kill_recorded() {
	local pid=$1 start=$2 i
	is_recorded "$pid" "$start" || return 0
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 40); do
		is_recorded "$pid" "$start" || return 0
		sleep 0.05
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

# Anything still running inside a lab namespace was started there by the lab
# or by a test using it (e.g. danted's children, a stuck wrapped command):
# a namespace cannot be freed while it holds processes, so end them too.
kill_ns_stragglers() {
	local ns pids pid round
	for round in TERM TERM KILL; do
		pids=""
		for ns in "${LAB_NAMESPACES[@]}"; do
			ns_exists "$ns" || continue
			pids="$pids $(ip netns pids "$ns" 2>/dev/null || true)"
		done
		pids="${pids// /}" && [ -n "$pids" ] || return 0
		for ns in "${LAB_NAMESPACES[@]}"; do
			ns_exists "$ns" || continue
			for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
				[ "$pid" -ne $$ ] || continue
				kill "-$round" "$pid" 2>/dev/null || true
			done
		done
		sleep 0.2
	done
}

# The servers outlive `up`, so once killed they are reparented to PID 1, which
# reaps them a moment later: wait (bounded) until not even a zombie of their
# process groups is left, so that `ps` after `down` shows nothing.
# A group member that ignored SIGTERM gets SIGKILL after 1.5 s.
wait_reaped() {
	local i left g
	for i in $(seq 60); do
		left=$(ps -eo pgid= | awk -v g=" $* " 'index(g, " " $1 " ")' | wc -l)
		[ "$left" -eq 0 ] && return 0
		if [ "$i" -eq 30 ]; then
			for g in "$@"; do kill -KILL -- "-$g" 2>/dev/null || true; done
		fi
		sleep 0.05
	done
	echo "lab: warning: $left exited lab process(es) not reaped yet (by PID 1)" >&2
}

retry() { # retry N CMD... (useradd/userdel lock /etc/passwd; labs may overlap)
	local n=$1 i; shift
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

lab_down() {
	local f pid start ns
	local groups=()
	if [ -d "$LAB_DIR/pids" ]; then
		for f in "$LAB_DIR"/pids/*.pid; do
			[ -e "$f" ] || continue
			pid="" start=""
			read -r pid start <"$f" || true
			if [[ "$pid" =~ ^[0-9]+$ ]] && is_recorded "$pid" "$start"; then
				groups+=("$pid")
				kill_recorded "$pid" "$start"
			fi
			rm -f "$f"
		done
	fi
	kill_ns_stragglers
	[ ${#groups[@]} -eq 0 ] || wait_reaped "${groups[@]}"
	for ns in "${LAB_NAMESPACES[@]}"; do
		if ns_exists "$ns"; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	if getent passwd "$LAB_USER" >/dev/null; then
		retry 25 userdel "$LAB_USER" 2>/dev/null ||
			echo "lab: warning: could not remove user $LAB_USER" >&2
	fi
	if [ -e "$STAMP" ]; then
		if [ "$(cat "$STAMP")" = "$LAB_TAG" ]; then
			rm -rf -- "$LAB_DIR"
		else
			echo "lab: warning: $LAB_DIR belongs to lab '$(cat "$STAMP")', left alone" >&2
		fi
	elif [ -d "$LAB_DIR" ] && [ -z "$(ls -A "$LAB_DIR")" ]; then
		rmdir -- "$LAB_DIR"
	fi
	local left=0
	for ns in "${LAB_NAMESPACES[@]}"; do ns_exists "$ns" && left=1; done
	[ "$left" -eq 0 ] || die "namespaces still present after down"
	return 0
}

# -------------------------------------------------------------------- up ----

# start NAME NS CMD...: run CMD in namespace NS as its own session (so its
# children can be killed as a group), output to $LAB_DIR/NAME.out, with no
# other inherited descriptor (a server holding, say, bats' fd 3 or a pipe
# of the caller would keep the caller waiting for EOF).  Records "PID START".
start() {
	local name=$1 ns=$2 pid; shift 2
	(
		for fd in "/proc/$BASHPID/fd/"*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null || continue
			eval "exec $fd>&-" 2>/dev/null || true
		done
		exec setsid ip netns exec "$ns" "$@" </dev/null >>"$LAB_DIR/$name.out" 2>&1
	) &
	pid=$!
	echo "$pid $(starttime "$pid")" >"$LAB_DIR/pids/$name.pid"
}

# wait_listen NAME NS PORT COUNT: wait until COUNT TCP sockets listen on PORT.
wait_listen() {
	local name=$1 ns=$2 port=$3 count=$4 i n pid start
	read -r pid start <"$LAB_DIR/pids/$name.pid"
	for i in $(seq 200); do
		n=$(nsx "$ns" ss -Hltn "sport = :$port" | wc -l)
		[ "$n" -ge "$count" ] && return 0
		is_recorded "$pid" "${start:-}" || break
		sleep 0.025
	done
	echo "lab: $name is not listening on port $port in $ns; its log:" >&2
	sed 's/^/  | /' "$LAB_DIR/$name.out" >&2 || true
	return 1
}

write_dante_conf() { # FILE PORT METHOD LOGFILE
	local file=$1 port=$2 method=$3 logfile=$4 net
	{
		cat <<EOF
# generated by scripts/lab.sh
logoutput: $logfile
internal: $PROXY4 port = $port
internal: $PROXY6 port = $port
external: $PROXYW4
external: $PROXYW6
external.rotation: route
clientmethod: none
socksmethod: $method
user.privileged: root
user.unprivileged: nobody
timeout.negotiate: 10
timeout.io: 0
EOF
		for net in 198.51.100.0/24 2001:db8:1::/64; do
			cat <<EOF
client pass {
	from: $net to: 0/0
	log: connect disconnect error
}
EOF
		done
		for net in 198.51.100.0/24 2001:db8:1::/64; do
			cat <<EOF
socks pass {
	from: $net to: 0/0
	command: connect bind udpassociate bindreply udpreply
	log: connect disconnect error
}
socks pass {
	from: 0/0 to: $net
	command: bindreply udpreply
	log: connect disconnect error
}
EOF
		done
		cat <<EOF
client block {
	from: 0/0 to: 0/0
	log: connect error
}
socks block {
	from: 0/0 to: 0/0
	log: connect error
}
EOF
	} >"$file"
}

setup_network() {
	local ns
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns add "$ns"
		# No duplicate address detection, not even for the link-local
		# addresses the kernel generates: a tentative link-local address
		# delays neighbour discovery, and with it the first IPv6 connect by
		# a second.  Interfaces created later inherit "default".
		nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.dad_transmits=0 \
			net.ipv6.conf.default.router_solicitations=0
		nsx "$ns" ip link set lo up
	done
	# veths are created directly inside the namespaces: nothing in the root
	# namespace, and the fixed names cannot collide between labs.
	ip link add c0 address "$MAC_C0" netns "$NS_CLIENT" type veth \
		peer name p0 address "$MAC_P0" netns "$NS_PROXY"
	ip link add p1 address "$MAC_P1" netns "$NS_PROXY" type veth \
		peer name w0 address "$MAC_W0" netns "$NS_WORLD"

	nsx "$NS_PROXY" sysctl -qw net.ipv4.ip_forward=0 \
		net.ipv6.conf.all.forwarding=0 net.ipv6.conf.default.forwarding=0

	nsx "$NS_CLIENT" ip addr add "$CLIENT4/24" dev c0
	nsx "$NS_CLIENT" ip -6 addr add "$CLIENT6/64" dev c0 nodad
	nsx "$NS_PROXY" ip addr add "$PROXY4/24" dev p0
	nsx "$NS_PROXY" ip -6 addr add "$PROXY6/64" dev p0 nodad
	nsx "$NS_PROXY" ip addr add "$PROXYW4/24" dev p1
	nsx "$NS_PROXY" ip -6 addr add "$PROXYW6/64" dev p1 nodad
	nsx "$NS_WORLD" ip addr add "$WORLD4/24" dev w0
	nsx "$NS_WORLD" ip -6 addr add "$WORLD6/64" dev w0 nodad
	nsx "$NS_CLIENT" ip link set c0 up
	nsx "$NS_PROXY" ip link set p0 up
	nsx "$NS_PROXY" ip link set p1 up
	nsx "$NS_WORLD" ip link set w0 up
	# Static neighbours: right after the links come up the first neighbour
	# solicitation can be lost, which would delay a test's first connect by
	# the 1 s retransmission timer.
	nsx "$NS_CLIENT" ip neigh replace "$PROXY4" lladdr "$MAC_P0" dev c0 nud permanent
	nsx "$NS_CLIENT" ip neigh replace "$PROXY6" lladdr "$MAC_P0" dev c0 nud permanent
	nsx "$NS_PROXY" ip neigh replace "$CLIENT4" lladdr "$MAC_C0" dev p0 nud permanent
	nsx "$NS_PROXY" ip neigh replace "$CLIENT6" lladdr "$MAC_C0" dev p0 nud permanent
	nsx "$NS_PROXY" ip neigh replace "$WORLD4" lladdr "$MAC_W0" dev p1 nud permanent
	nsx "$NS_PROXY" ip neigh replace "$WORLD6" lladdr "$MAC_W0" dev p1 nud permanent
	nsx "$NS_WORLD" ip neigh replace "$PROXYW4" lladdr "$MAC_P1" dev w0 nud permanent
	nsx "$NS_WORLD" ip neigh replace "$PROXYW6" lladdr "$MAC_P1" dev w0 nud permanent
	nsx "$NS_CLIENT" ip route add default via "$PROXY4" dev c0
	nsx "$NS_CLIENT" ip -6 route add default via "$PROXY6" dev c0

	nsx "$NS_CLIENT" nft -f - <<EOF
table inet $NFT_TABLE {
	counter leaks { }
	chain output {
		type filter hook output priority filter; policy accept;
		oif "lo" meta l4proto { tcp, udp } th dport 53 goto leak
		oif "lo" accept
		ip daddr $PROXY4 accept
		ip6 daddr $PROXY6 accept
		icmpv6 type { 133, 134, 135, 136, 143 } accept
		goto leak
	}
	chain leak {
		counter name "leaks"
		meta l4proto tcp reject with tcp reset
		reject with icmpx admin-prohibited
	}
}
EOF
}

make_user() {
	LAB_PASS=$(openssl rand -hex 12)
	local hash
	hash=$(openssl passwd -1 "$LAB_PASS")
	retry 25 useradd --system --no-create-home --no-user-group --gid nogroup \
		--home-dir /nonexistent --shell /usr/sbin/nologin \
		--comment "socksify test lab $LAB_TAG" --password "$hash" "$LAB_USER" ||
		die "useradd $LAB_USER failed"
	( umask 077 && printf '%s\n' "$LAB_PASS" >"$LAB_DIR/password" )
}

start_servers() {
	# world: HTTP + echo
	mkdir -p "$LAB_DIR/www"
	MARKER="socksify-lab-marker-$(openssl rand -hex 8)"
	printf '<!doctype html>\n<title>socksify lab</title>\n<p>%s</p>\n' \
		"$MARKER" >"$LAB_DIR/www/index.html"
	head -c 1048576 /dev/urandom >"$LAB_DIR/www/big.bin"
	BIGFILE_SHA256=$(sha256sum "$LAB_DIR/www/big.bin" | cut -d' ' -f1)
	start world "$NS_WORLD" "$PYTHON" -u "$HERE/lab/world.py" \
		--addr "$WORLD4" --addr "$WORLD6" --http-port "$HTTP_PORT" \
		--echo-port "$ECHO_PORT" --root "$LAB_DIR/www" --ready "$LAB_DIR/world.ready"

	# proxy: two danted, one microsocks
	DANTE_LOG="$LAB_DIR/danted-auth.log"
	DANTE_NOAUTH_LOG="$LAB_DIR/danted-noauth.log"
	: >"$DANTE_LOG"
	: >"$DANTE_NOAUTH_LOG"
	write_dante_conf "$LAB_DIR/danted-auth.conf" "$AUTH_PORT" username "$DANTE_LOG"
	write_dante_conf "$LAB_DIR/danted-noauth.conf" "$NOAUTH_PORT" none "$DANTE_NOAUTH_LOG"
	start danted-auth "$NS_PROXY" "$DANTED" -f "$LAB_DIR/danted-auth.conf" \
		-p "$LAB_DIR/danted-auth.pid"
	start danted-noauth "$NS_PROXY" "$DANTED" -f "$LAB_DIR/danted-noauth.conf" \
		-p "$LAB_DIR/danted-noauth.pid"
	start microsocks "$NS_PROXY" microsocks -i "$PROXY4" -p "$MICROSOCKS_PORT"

	wait_listen world "$NS_WORLD" "$HTTP_PORT" 2
	wait_listen world "$NS_WORLD" "$ECHO_PORT" 2
	wait_listen danted-auth "$NS_PROXY" "$AUTH_PORT" 2 ||
		{ sed 's/^/  | /' "$DANTE_LOG" >&2; return 1; }
	wait_listen danted-noauth "$NS_PROXY" "$NOAUTH_PORT" 2 ||
		{ sed 's/^/  | /' "$DANTE_NOAUTH_LOG" >&2; return 1; }
	wait_listen microsocks "$NS_PROXY" "$MICROSOCKS_PORT" 1
}

write_env() {
	q() { printf '%q' "$1"; }
	{
		echo "# socksify lab '$LAB_TAG' (scripts/lab.sh); source me"
		echo "export LAB_TAG=$(q "$LAB_TAG")"
		echo "export LAB_DIR=$(q "$LAB_DIR")"
		echo "export LAB_CLIENT_NS=$(q "$NS_CLIENT")"
		echo "export LAB_PROXY_NS=$(q "$NS_PROXY")"
		echo "export LAB_WORLD_NS=$(q "$NS_WORLD")"
		echo "export PROXY4=$PROXY4"
		echo "export PROXY6=$PROXY6"
		echo "export CLIENT4=$CLIENT4"
		echo "export CLIENT6=$CLIENT6"
		echo "export PROXY_EXT4=$PROXYW4"
		echo "export PROXY_EXT6=$PROXYW6"
		echo "export AUTH_PORT=$AUTH_PORT"
		echo "export NOAUTH_PORT=$NOAUTH_PORT"
		echo "export MICROSOCKS_PORT=$MICROSOCKS_PORT"
		echo "export WORLD4=$WORLD4"
		echo "export WORLD6=$WORLD6"
		echo "export HTTP_PORT=$HTTP_PORT"
		echo "export ECHO_PORT=$ECHO_PORT"
		echo "export LAB_USER=$(q "$LAB_USER")"
		echo "export LAB_PASS=$(q "$LAB_PASS")"
		echo "export LAB_PASSWORD_FILE=$(q "$LAB_DIR/password")"
		echo "export DANTE_LOG=$(q "$DANTE_LOG")"
		echo "export DANTE_NOAUTH_LOG=$(q "$DANTE_NOAUTH_LOG")"
		echo "export BIGFILE_PATH=/big.bin"
		echo "export BIGFILE_SIZE=1048576"
		echo "export BIGFILE_SHA256=$BIGFILE_SHA256"
		echo "export MARKER=$(q "$MARKER")"
	} >"$LAB_DIR/lab.env.tmp"
	mv "$LAB_DIR/lab.env.tmp" "$LAB_DIR/lab.env"
}

up_failed() {
	local rc=$?
	trap - EXIT
	echo "lab: up failed, tearing down" >&2
	lab_down || true
	exit "$rc"
}

lab_up() {
	local t0=$SECONDS
	if [ -e "$STAMP" ] && [ "$(cat "$STAMP")" != "$LAB_TAG" ]; then
		die "$LAB_DIR belongs to lab '$(cat "$STAMP")'; use another LAB_DIR"
	fi
	lab_down
	trap 'up_failed' EXIT
	mkdir -p "$LAB_DIR"
	chmod 755 "$LAB_DIR"
	echo "$LAB_TAG" >"$STAMP"
	mkdir -p "$LAB_DIR/pids"
	setup_network
	make_user
	start_servers
	nsx "$NS_CLIENT" nft reset counter inet "$NFT_TABLE" leaks >/dev/null
	write_env
	trap - EXIT
	log "up: tag $LAB_TAG, state in $LAB_DIR ($((SECONDS - t0))s); source $LAB_DIR/lab.env"
}

# ------------------------------------------------------------- queries -------

leaks() {
	ns_exists "$NS_CLIENT" || die "lab '$LAB_TAG' is not up"
	nsx "$NS_CLIENT" nft list counter inet "$NFT_TABLE" leaks |
		sed -n 's/.*packets \([0-9][0-9]*\).*/\1/p' | head -n1 | grep . ||
		die "cannot read the leaks counter"
}

reset_leaks() {
	ns_exists "$NS_CLIENT" || die "lab '$LAB_TAG' is not up"
	nsx "$NS_CLIENT" nft reset counter inet "$NFT_TABLE" leaks >/dev/null
}

status() {
	local ok=0 ns f pid start name
	echo "lab '$LAB_TAG', state dir $LAB_DIR"
	for ns in "${LAB_NAMESPACES[@]}"; do
		if ns_exists "$ns"; then echo "  netns $ns: present"; else echo "  netns $ns: absent"; ok=1; fi
	done
	if getent passwd "$LAB_USER" >/dev/null; then echo "  user $LAB_USER: present"
	else echo "  user $LAB_USER: absent"; ok=1; fi
	if [ -d "$LAB_DIR/pids" ]; then
		for f in "$LAB_DIR"/pids/*.pid; do
			[ -e "$f" ] || continue
			name=$(basename "$f" .pid)
			read -r pid start <"$f"
			if is_recorded "$pid" "$start" && pid_in_lab "$pid"; then echo "  $name: running (pid $pid)"
			else echo "  $name: NOT running (pid $pid)"; ok=1; fi
		done
	else
		echo "  no servers recorded"; ok=1
	fi
	if ns_exists "$NS_PROXY"; then
		echo "  proxy listeners:"
		nsx "$NS_PROXY" ss -Hltn | awk '{print "    " $4}'
	fi
	if ns_exists "$NS_WORLD"; then
		echo "  world listeners:"
		nsx "$NS_WORLD" ss -Hltn | awk '{print "    " $4}'
	fi
	if ns_exists "$NS_CLIENT"; then echo "  leaks: $(leaks)"; fi
	[ "$ok" -eq 0 ] && echo "  status: up" || echo "  status: down or incomplete"
	return "$ok"
}

client_exec() {
	[ $# -gt 0 ] || die "usage: lab.sh exec CMD [ARGS...]"
	ns_exists "$NS_CLIENT" || die "lab '$LAB_TAG' is not up"
	if [ -r "$LAB_DIR/lab.env" ]; then
		set +u
		# shellcheck disable=SC1091
		. "$LAB_DIR/lab.env"
		set -u
	fi
	exec ip netns exec "$NS_CLIENT" "$@"
}

usage() {
	cat <<EOF
usage: $0 up|down|status|leaks|reset-leaks|env|exec CMD [ARGS...]
  env: LAB_TAG (default sx, namespaces \$LAB_TAG-{client,proxy,world}),
       LAB_DIR (default /tmp/socksify-lab)
EOF
}

# up and down of all labs are serialized (useradd/userdel, and an `up`
# replacing a leftover lab must not interleave with a `down` of it): the lock
# is the script file itself, so nothing is left behind.
lock() {
	exec 9<"$HERE/lab.sh"
	flock -w 120 9 || die "timed out waiting for another lab's up or down"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
up) need_root; lock; lab_up ;;
down) need_root; lock; lab_down; log "down: tag $LAB_TAG" ;;
status) need_root; status ;;
leaks) need_root; leaks ;;
reset-leaks) need_root; reset_leaks ;;
env) cat "$LAB_DIR/lab.env" ;;
exec) need_root; client_exec "$@" ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
