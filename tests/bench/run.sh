#!/bin/bash
# The driver of `make bench` / `make check-bench`:
#
#   tests/bench/run.sh BUILD_DIR
#
# Starts its own servers on loopback (tests/bench/bench_server: TCP echo,
# "who", UDP echo, bulk; danted without authentication and with
# username/password; microsocks), proves each contender's path (the server's
# "who" port answers with the address the connection came from: each proxy
# connects out from its own loopback address, 127.0.0.2 danted, 127.0.0.3
# microsocks, 127.0.0.4 danted with username/password), then runs every
# measurement for every contender in interleaved rounds (A B C, A B C, ...),
# counts instructions with callgrind, and writes a Markdown report
# (tests/bench/results/DATE.md, or BENCH_OUT) plus a summary on stdout.
#
# Contenders: direct (no proxy), native (bench speaks SOCKS5 itself: the
# protocol floor), socksify (LD_PRELOAD of BUILD_DIR/libsocksify.so),
# proxychains (proxychains4, if installed), dante (Dante's client,
# /usr/bin/socksify, if installed). The project's command is always called
# by path (BUILD_DIR/socksify), Dante's always as /usr/bin/socksify.
#
# Environment: BENCH_ROUNDS (3), BENCH_SECONDS (2), BENCH_SMOKE=1 (one round
# of a few hundred iterations each, figures not meaningful), BENCH_CALLGRIND
# (1; 0 skips the instruction counts), BENCH_FAKEDNS_NAMES (1000000),
# BENCH_PEER_NAMES (100000: names for the peers' fake DNS), BENCH_BULK_MB
# (1024), BENCH_OUT (report path), BENCH_ONLY (a comma list of sections to
# run: conn, bulk, udp, calls, startup, fakedns, memory, callgrind; for
# working on one figure: the report then has only those), BENCH_CONTENDERS
# (a space list, e.g. "native socksify"). Needs root: danted, a user for its
# username method, and a private mount namespace in which the proxies see
# a hosts file with the test name (the client never sees that name).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
B="$(cd "${1:-$ROOT/build}" && pwd)"
BENCH="$B/bench/bench"
SERVER="$B/bench/bench_server"
EMPTY="$B/bench/empty.so"
LIB="$B/libsocksify.so"
CLI="$B/socksify"
DANTED="${BENCH_DANTED:-/usr/sbin/danted}"
PC=$(command -v proxychains4 || true)
PCLIB=/usr/lib/x86_64-linux-gnu/libproxychains.so.4
DANTE_CLIENT=/usr/bin/socksify # Dante's: never the project's
DANTE_LIBDIR=/usr/lib/x86_64-linux-gnu
DANTE_LIB=libdsocksd.so.0
[ -x "$DANTE_CLIENT" ] && [ -e "$DANTE_LIBDIR/$DANTE_LIB" ] || DANTE_CLIENT=

SMOKE=${BENCH_SMOKE:-0}
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-2}
CALLGRIND=${BENCH_CALLGRIND:-1}
FAKE_NAMES=${BENCH_FAKEDNS_NAMES:-1000000}
PEER_NAMES=${BENCH_PEER_NAMES:-100000}
BULK_MB=${BENCH_BULK_MB:-1024} # about a second: 256 MiB took 0.2 s, too short to be steady
if [ "$SMOKE" = 1 ]; then
	ROUNDS=1 FAKE_NAMES=300 PEER_NAMES=300 BULK_MB=1
fi
NAME=echo.bench.test # resolved by the proxies only
FAKE_RANGE="100.64.0.0/10,fd53:6b73:6679:b::/64" # holds 1 048 576 names

die() { echo "bench: $*" >&2; exit 1; }
only() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }
step() { echo "bench: [$(date +%T)] $*"; }

[ "$(id -u)" -eq 0 ] || die "needs root (danted, useradd, a mount namespace); run as root"
for f in "$BENCH" "$SERVER" "$EMPTY" "$LIB" "$CLI"; do [ -e "$f" ] || die "missing $f (make bench builds it)"; done
[ -x "$DANTED" ] || die "danted not found (scripts/install-deps.sh installs dante-server)"
command -v microsocks >/dev/null || die "microsocks not found (scripts/install-deps.sh)"
command -v python3 >/dev/null || die "python3 not found"
if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null; then
	echo "bench: valgrind not found: no instruction counts (scripts/install-bench-deps.sh)" >&2
	CALLGRIND=0
fi

WORK=$(mktemp -d /tmp/socksify-bench.XXXXXX)
RAW="$WORK/raw.tsv"
: >"$RAW"
PIDS=()
BENCH_USER=""

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
	done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
	if [ -n "$BENCH_USER" ]; then userdel "$BENCH_USER" 2>/dev/null || true; fi
	if [ -z "${BENCH_KEEP:-}" ]; then rm -rf -- "$WORK"; else echo "bench: kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start NAME CMD...: in its own session (killed as a group) and its own mount
# namespace, where /etc/hosts also names $NAME (the proxies resolve it; the
# client does not, so every contender must hand the name to the proxy).
start() {
	local name=$1; shift
	setsid unshare --mount --propagation private -- \
		sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$WORK/hosts" "$@" \
		</dev/null >"$WORK/$name.out" 2>&1 &
	PIDS+=($!)
}

wait_port() { # PORT: a TCP listener on 127.0.0.1:PORT
	local i
	for i in $(seq 200); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.025
	done
	return 1
}

dante_conf() { # FILE PORT METHOD EXTERNAL
	cat >"$1" <<EOF
# generated by tests/bench/run.sh
logoutput: $WORK/danted-$2.log
internal: 127.0.0.1 port = $2
external: $4
clientmethod: none
socksmethod: $3
user.privileged: root
user.unprivileged: nobody
timeout.negotiate: 10
timeout.io: 0
client pass { from: 127.0.0.0/8 to: 0/0
	log: error }
socks pass { from: 127.0.0.0/8 to: 0/0
	command: connect udpassociate bindreply udpreply
	log: error }
socks pass { from: 0/0 to: 127.0.0.0/8
	command: bindreply udpreply
	log: error }
EOF
}

start_servers() {
	{ cat /etc/hosts; echo "127.0.0.1 $NAME"; } >"$WORK/hosts"
	chmod 644 "$WORK/hosts"
	start server "$SERVER" 127.0.0.1
	local i
	for i in $(seq 200); do
		grep -q '^echo=' "$WORK/server.out" 2>/dev/null && break
		sleep 0.025
	done
	read -r ECHO_PORT WHO_PORT UDP_PORT BULK_PORT < <(sed -n 's/^echo=\([0-9]*\) who=\([0-9]*\) udp=\([0-9]*\) bulk=\([0-9]*\)$/\1 \2 \3 \4/p' "$WORK/server.out")
	[ -n "${BULK_PORT:-}" ] || die "bench_server did not start: $(cat "$WORK/server.out")"

	DN_PORT=$(free_port)
	dante_conf "$WORK/danted-noauth.conf" "$DN_PORT" none 127.0.0.2
	start danted-noauth "$DANTED" -f "$WORK/danted-noauth.conf" -p "$WORK/danted-noauth.pid"
	MS_PORT=$(free_port)
	start microsocks microsocks -i 127.0.0.1 -p "$MS_PORT" -b 127.0.0.3
	# username/password: a throwaway account with an MD5 hash (one crypt()
	# per connection costs ~0.1 ms instead of yescrypt's ~18 ms)
	DA_PORT=""
	BENCH_PASS=$(python3 -c 'import secrets; print(secrets.token_hex(8))')
	local user="sxbench$$"
	if command -v useradd >/dev/null && command -v openssl >/dev/null &&
		useradd --system --no-create-home --no-user-group --gid nogroup --home-dir /nonexistent \
			--shell /usr/sbin/nologin --comment "socksify bench" \
			--password "$(openssl passwd -1 "$BENCH_PASS")" "$user" 2>/dev/null; then
		BENCH_USER=$user
		DA_PORT=$(free_port)
		dante_conf "$WORK/danted-auth.conf" "$DA_PORT" username 127.0.0.4
		start danted-auth "$DANTED" -f "$WORK/danted-auth.conf" -p "$WORK/danted-auth.pid"
	fi
	wait_port "$DN_PORT" || die "danted (no auth) did not start: $(tail -5 "$WORK/danted-$DN_PORT.log" "$WORK/danted-noauth.out" 2>&1)"
	wait_port "$MS_PORT" || die "microsocks did not start: $(cat "$WORK/microsocks.out")"
	if [ -n "$DA_PORT" ] && ! wait_port "$DA_PORT"; then
		echo "bench: danted (username) did not start; skipped" >&2
		DA_PORT=""
	fi
}

# proxychains and Dante client configurations, per proxy: dn (danted, no
# auth), ms (microsocks), da (danted, username), local (dn, loopback direct:
# for the calls that are not the proxy's, as a profile would set it).
peer_confs() {
	local px port auth
	for px in dn ms da local; do
		case $px in
		dn | local) port=$DN_PORT auth="" ;;
		ms) port=$MS_PORT auth="" ;;
		da) [ -n "$DA_PORT" ] || continue; port=$DA_PORT auth="$BENCH_USER $BENCH_PASS" ;;
		esac
		{
			echo "strict_chain"
			echo "quiet_mode"
			echo "proxy_dns"
			echo "remote_dns_subnet 224"
			echo "tcp_read_time_out 15000"
			echo "tcp_connect_time_out 8000"
			[ "$px" = local ] && echo "localnet 127.0.0.0/255.0.0.0"
			echo "[ProxyList]"
			echo "socks5 127.0.0.1 $port $auth"
		} >"$WORK/pc-$px.conf"
		{
			# Dante's parser wants the settings before the routes
			echo "resolveprotocol: fake"
			[ "$px" = local ] && printf 'route { from: 0.0.0.0/0 to: 127.0.0.0/8 via: direct }\n'
			cat <<EOF
route {
	from: 0.0.0.0/0 to: 0.0.0.0/0 via: 127.0.0.1 port = $port
	proxyprotocol: socks_v5
	method: $(if [ -n "$auth" ]; then echo username; else echo none; fi)
	protocol: tcp udp
}
EOF
		} >"$WORK/dante-$px.conf"
	done
}

proxy_port() { case $1 in dn | local) echo "$DN_PORT" ;; ms) echo "$MS_PORT" ;; da) echo "$DA_PORT" ;; esac; }
proxy_external() { case $1 in dn) echo 127.0.0.2 ;; ms) echo 127.0.0.3 ;; da) echo 127.0.0.4 ;; *) echo 127.0.0.1 ;; esac; }

# setup CONTENDER PROXY: PRE (command prefix) and EXTRA (bench options) for
# running bench as CONTENDER through PROXY ("none": nothing of ours, as in
# a shell profile; socksify then keeps its default direct list).
setup() {
	local c=$1 px=$2 port
	port=$(proxy_port "$px")
	PRE=() EXTRA=()
	local url="socks5://127.0.0.1:$port"
	[ "$px" = da ] && url="socks5://$BENCH_USER:$BENCH_PASS@127.0.0.1:$port"
	case $c in
	direct) ;;
	empty) PRE=(env LD_PRELOAD="$EMPTY") ;;
	native)
		EXTRA=(--native "127.0.0.1:$port")
		if [ "$px" = da ]; then EXTRA+=(--user "$BENCH_USER" --pass "$BENCH_PASS"); fi
		;;
	socksify)
		PRE=(env LD_PRELOAD="$LIB" SOCKSIFY_PROXY="$url" SOCKSIFY_LOG=error SOCKSIFY_FAKE_RANGE="$FAKE_RANGE")
		[ "$px" = local ] || PRE+=(SOCKSIFY_DIRECT=none)
		;;
	proxychains) PRE=("$PC" -q -f "$WORK/pc-$px.conf") ;;
	dante)
		PRE=(env SOCKS_CONF="$WORK/dante-$px.conf")
		[ "$px" = da ] && PRE+=(SOCKS_USERNAME="$BENCH_USER" SOCKS_PASSWORD="$BENCH_PASS")
		PRE+=("$DANTE_CLIENT")
		;;
	esac
}

# The same as setup, but as bare LD_PRELOAD (for valgrind: no wrapper process).
setup_preload() {
	setup "$@"
	case $1 in
	proxychains) PRE=(env LD_PRELOAD="$PCLIB" PROXYCHAINS_CONF_FILE="$WORK/pc-$2.conf" PROXYCHAINS_QUIET_MODE=1) ;;
	dante)
		PRE=(env SOCKS_CONF="$WORK/dante-$2.conf" LD_PRELOAD="$DANTE_LIB libdl.so.2" LD_LIBRARY_PATH="$DANTE_LIBDIR")
		if [ "$2" = da ]; then PRE+=(SOCKS_USERNAME="$BENCH_USER" SOCKS_PASSWORD="$BENCH_PASS"); fi
		;;
	esac
}

target_name() { [ "$1" = direct ] && echo localhost || echo "$NAME"; }

CONTENDERS=(direct native socksify)
[ -n "$PC" ] && [ -e "$PCLIB" ] && CONTENDERS+=(proxychains)
[ -n "$DANTE_CLIENT" ] && CONTENDERS+=(dante)
if [ -n "${BENCH_CONTENDERS:-}" ]; then read -r -a CONTENDERS <<<"$BENCH_CONTENDERS"; fi
NOTOURS=(direct empty socksify)
[ -n "$PC" ] && NOTOURS+=(proxychains)
[ -n "$DANTE_CLIENT" ] && NOTOURS+=(dante)

# record SECTION MEASURE CONTENDER ROUND STATUS LINE
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }

declare -A PATHOK # "contender/proxy/kind" -> ok | bypassed | failed | unsupported

# run_bench SECTION MEASURE CONTENDER PROXY ROUND PATHKEY -- bench args
run_bench() {
	local sec=$1 meas=$2 c=$3 px=$4 round=$5 key=$6 out status
	shift 7
	status=${PATHOK[$key]:-ok}
	if [ "$status" = failed ] || [ "$status" = unsupported ]; then
		record "$sec" "$meas" "$c" "$round" "$status" ""
		return 0
	fi
	setup "$c" "$px"
	# a peer that hangs (Dante's fake DNS with 32 threads) must not stall the run
	local limit=300
	case $c in proxychains | dante) limit=90 ;; esac
	if out=$(timeout "$limit" "${PRE[@]}" "$BENCH" "$@" "${EXTRA[@]}" 2>"$WORK/err"); then
		out=$(echo "$out" | tail -n1)
	else
		[ $? -eq 124 ] && echo "timed out after ${limit}s" >>"$WORK/err"
		status=failed
		out="error=$(head -c 200 "$WORK/err" | tr '\t\n' '  ')"
	fi
	record "$sec" "$meas" "$c" "$round" "$status" "$out"
}

# ------------------------------------------------------------ verify --

verify() {
	local c px kind tgt expect got out want
	for px in dn ms da; do
		[ "$px" = da ] && [ -z "$DA_PORT" ] && continue
		expect=$(proxy_external "$px")
		for c in "${CONTENDERS[@]}"; do
			for kind in ip name udp; do
				[ "$kind" = udp ] && [ "$px" != dn ] && continue
				if [ "$c" = direct ]; then want=127.0.0.1; else want=$expect; fi
				setup "$c" "$px"
				case $kind in
				ip) tgt=(who --target "127.0.0.1:$WHO_PORT") ;;
				name) tgt=(who --target "$(target_name "$c"):$WHO_PORT") ;;
				udp) tgt=(udpwho --target "127.0.0.1:$UDP_PORT") ;;
				esac
				got=""
				if out=$(timeout 20 "${PRE[@]}" "$BENCH" "${tgt[@]}" "${EXTRA[@]}" 2>"$WORK/err"); then
					got=$(echo "$out" | sed -n 's/^peer=//p' | tail -n1)
				fi
				if [ "$got" = "$want" ]; then
					PATHOK[$c/$px/$kind]=ok
				elif [ "$got" = 127.0.0.1 ]; then
					PATHOK[$c/$px/$kind]=bypassed
				else
					PATHOK[$c/$px/$kind]=failed
				fi
				record verify "$kind" "$c" "$px" "${PATHOK[$c/$px/$kind]}" \
					"peer=${got:-none} want=$want err=$(head -c 160 "$WORK/err" | tr '\t\n' '  ')"
			done
		done
	done
}

# -------------------------------------------------------- measurements --

if [ "$SMOKE" = 1 ]; then
	SEQ=(--count 200) PAR=(--count 320) CALLN=300 UDPN=(--count 200) SPAWNN=5
else
	SEQ=(--seconds "$SECS") PAR=(--seconds "$SECS") UDPN=(--seconds "$SECS") CALLN="" SPAWNN=""
fi
CALL_OPS=(write getpid unix-connect unix-sendrecv socket-close tcp-loop tcp-connect)
declare -A CALL_COUNT=([write]=2000000 [getpid]=2000000 [unix-connect]=500000 [unix-sendrecv]=300000
	[socket-close]=200000 [tcp-loop]=200000 [tcp-connect]=5000)

round() {
	local r=$1 c px kind t th
	only conn && for px in dn ms; do
		for kind in ip name; do
			for th in 1 32; do
				step "round $r/$ROUNDS: connections via $px by $kind, $th thread(s)"
				for c in "${CONTENDERS[@]}"; do
					if [ "$kind" = ip ]; then t=127.0.0.1; else t=$(target_name "$c"); fi
					if [ "$th" = 1 ]; then n=("${SEQ[@]}"); else n=("${PAR[@]}"); fi
					run_bench conn "conn-$px-$kind-t$th" "$c" "$px" "$r" "$c/$px/$kind" -- \
						conn --target "$t:$ECHO_PORT" --threads "$th" "${n[@]}"
				done
			done
		done
	done
	if [ -n "$DA_PORT" ] && only conn; then
		step "round $r/$ROUNDS: connections via danted with username/password, by ip"
		for c in "${CONTENDERS[@]}"; do
			run_bench conn conn-da-ip-t1 "$c" da "$r" "$c/da/ip" -- \
				conn --target "127.0.0.1:$ECHO_PORT" --threads 1 "${SEQ[@]}"
		done
	fi
	only bulk && for dir in up down; do
		step "round $r/$ROUNDS: bulk $dir, $BULK_MB MiB through one connection"
		for c in "${CONTENDERS[@]}"; do
			run_bench bulk "bulk-$dir" "$c" dn "$r" "$c/dn/ip" -- \
				"bulk-$dir" --target "127.0.0.1:$BULK_PORT" --bytes $((BULK_MB * 1048576))
		done
	done
	only udp && step "round $r/$ROUNDS: UDP round trips through danted's UDP ASSOCIATE" &&
	for c in "${CONTENDERS[@]}"; do
		run_bench udp udp "$c" dn "$r" "$c/dn/udp" -- udp --target "127.0.0.1:$UDP_PORT" "${UDPN[@]}"
	done
	only calls && for op in "${CALL_OPS[@]}"; do
		step "round $r/$ROUNDS: calls that are not ours: $op"
		for c in "${NOTOURS[@]}"; do
			run_bench calls "$op" "$c" local "$r" "-" -- "$op" --count "${CALLN:-${CALL_COUNT[$op]}}"
		done
	done
	local sn=${SPAWNN:-300} pu="socks5://127.0.0.1:$DN_PORT"
	only startup || sn=0
	[ "$sn" = 0 ] || step "round $r/$ROUNDS: process start-up (/bin/true)"
	[ "$sn" = 0 ] || {
	record startup true direct "$r" ok "$(timeout 120 "$BENCH" spawn --count "$sn" -- /bin/true 2>&1 | tail -n1)"
	record startup true empty "$r" ok "$(timeout 120 "$BENCH" spawn --count "$sn" --env LD_PRELOAD="$EMPTY" -- /bin/true 2>&1 | tail -n1)"
	record startup true socksify "$r" ok "$(timeout 120 "$BENCH" spawn --count "$sn" --env LD_PRELOAD="$LIB" --env SOCKSIFY_PROXY="$pu" -- /bin/true 2>&1 | tail -n1)"
	record startup true socksify-cmd "$r" ok "$(timeout 120 "$BENCH" spawn --count "$sn" -- "$CLI" -q -p "$pu" /bin/true 2>&1 | tail -n1)"
	if [ -n "$PC" ]; then
		record startup true proxychains "$r" ok "$(timeout 120 "$BENCH" spawn --count "$sn" --env LD_PRELOAD="$PCLIB" --env PROXYCHAINS_CONF_FILE="$WORK/pc-dn.conf" -- /bin/true 2>&1 | tail -n1)"
		record startup true proxychains-cmd "$r" ok "$(timeout 120 "$BENCH" spawn --count "$sn" -- "$PC" -q -f "$WORK/pc-dn.conf" /bin/true 2>&1 | tail -n1)"
	fi
	if [ -n "$DANTE_CLIENT" ]; then
		record startup true dante "$r" ok "$(timeout 120 env LD_LIBRARY_PATH="$DANTE_LIBDIR" "$BENCH" spawn --count "$sn" --env LD_PRELOAD="$DANTE_LIB libdl.so.2" --env SOCKS_CONF="$WORK/dante-dn.conf" -- /bin/true 2>&1 | tail -n1)"
		record startup true dante-cmd "$r" ok "$(timeout 120 env SOCKS_CONF="$WORK/dante-dn.conf" "$BENCH" spawn --count "$sn" -- "$DANTE_CLIENT" /bin/true 2>&1 | tail -n1)"
	fi
	}
	only fakedns || return 0
	step "round $r/$ROUNDS: fake DNS, $FAKE_NAMES distinct names (socksify), $PEER_NAMES (peers)"
	for th in 1 32; do
		for c in "${CONTENDERS[@]}"; do
			case $c in direct | native) continue ;; esac
			local nn=$PEER_NAMES
			[ "$c" = socksify ] && nn=$FAKE_NAMES
			run_bench fakedns "fakedns-t$th" "$c" dn "$r" "-" -- fakedns --names "$nn" --threads "$th"
		done
	done
}

# The resident set of a process depends on where ASLR puts each library
# relative to the kernel's 64 KiB fault-around windows (±150 KiB run to
# run): the report takes the median of RSS_SAMPLES interleaved samples.
memory() {
	local i n=${RSS_SAMPLES:-31}
	[ "$SMOKE" = 1 ] && n=3
	step "memory: resident set of an idle process, median of $n samples each"
	for i in $(seq "$n"); do
		record rss idle direct "$i" ok "$("$BENCH" rss)"
		record rss idle empty "$i" ok "$(env LD_PRELOAD="$EMPTY" "$BENCH" rss)"
		record rss idle socksify "$i" ok "$(env LD_PRELOAD="$LIB" SOCKSIFY_PROXY="socks5://127.0.0.1:$DN_PORT" "$BENCH" rss)"
		[ -z "$PC" ] || record rss idle proxychains "$i" ok "$(env LD_PRELOAD="$PCLIB" PROXYCHAINS_CONF_FILE="$WORK/pc-dn.conf" "$BENCH" rss 2>/dev/null)"
		[ -z "$DANTE_CLIENT" ] || record rss idle dante "$i" ok "$(env SOCKS_CONF="$WORK/dante-dn.conf" LD_PRELOAD="$DANTE_LIB libdl.so.2" LD_LIBRARY_PATH="$DANTE_LIBDIR" "$BENCH" rss 2>/dev/null)"
	done
	return 0
}

# ------------------------------------------------------------ callgrind --

CG="$WORK/cg"
# cg_ir NAME CONTENDER PROXY bench-args...: total user-space instructions
# of one client run under callgrind (the bench process only).
cg_ir() {
	local name=$1 c=$2 px=$3 f
	shift 3
	f="$CG/$name.out"
	setup_preload "$c" "$px"
	if timeout 600 "${PRE[@]}" valgrind --tool=callgrind --callgrind-out-file="$f" \
		"$BENCH" "$@" "${EXTRA[@]}" >/dev/null 2>"$CG/$name.err" && [ -s "$f" ]; then
		sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$f" | head -n1
	else
		echo ""
	fi
}

# cg_per NAME CONTENDER PROXY N1 N2 MODE ARGS...: instructions per operation,
# from two runs of N1 and N2 operations (first-call set-up cancels out).
cg_per() {
	local name=$1 c=$2 px=$3 n1=$4 n2=$5 mode=$6 a b countopt=--count
	shift 6
	[ "$mode" = fakedns ] && countopt=--names
	a=$(cg_ir "$name.$c.n1" "$c" "$px" "$mode" "$@" "$countopt" "$n1" $([ "$mode" = fakedns ] && echo --count 1))
	b=$(cg_ir "$name.$c.n2" "$c" "$px" "$mode" "$@" "$countopt" "$n2" $([ "$mode" = fakedns ] && echo --count 1))
	if [ -n "$a" ] && [ -n "$b" ]; then
		record callgrind "$name" "$c" 1 ok "per_op=$(((b - a) / (n2 - n1))) ir1=$a ir2=$b n1=$n1 n2=$n2"
	else
		record callgrind "$name" "$c" 1 failed "error=$(head -c 200 "$CG/$name.$c.n2.err" 2>/dev/null | tr '\t\n' '  ')"
	fi
}

# cg_start NAME ENV... -- CMD...: instructions of one start-up, summing every
# process of the tree (a wrapper command execs the program).
cg_start() {
	local name=$1 envs=() total=0 f v
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	mkdir -p "$CG/$name"
	if env "${envs[@]}" valgrind --tool=callgrind --trace-children=yes \
		--callgrind-out-file="$CG/$name/cg.%p" "$@" >/dev/null 2>"$CG/$name.err"; then
		for f in "$CG/$name"/cg.*; do
			v=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$f" | head -n1)
			total=$((total + ${v:-0}))
		done
		record callgrind "startup" "$name" 1 ok "ir=$total procs=$(ls "$CG/$name" | wc -l)"
	else
		record callgrind "startup" "$name" 1 failed "error=$(head -c 200 "$CG/$name.err" | tr '\t\n' '  ')"
	fi
}

annotate() { # FILE OUT: exclusive instructions per function
	callgrind_annotate --inclusive=no --threshold=100 "$1" >"$2" 2>/dev/null || true
}

instructions() {
	local c n1 n2 pu="socks5://127.0.0.1:$DN_PORT"
	mkdir -p "$CG"
	if [ "$SMOKE" = 1 ]; then
		step "callgrind (smoke): write under socksify"
		cg_per write socksify local 100 300 write
		return 0
	fi
	step "callgrind: write to /dev/null (per call)"
	for c in "${NOTOURS[@]}"; do cg_per write "$c" local 1000 11000 write; done
	step "callgrind: process start-up of /bin/true"
	# the same environment for all three (ld.so's tunables scan reads every variable)
	cg_start direct SOCKSIFY_PROXY="$pu" -- /bin/true
	cg_start empty LD_PRELOAD="$EMPTY" SOCKSIFY_PROXY="$pu" -- /bin/true
	cg_start socksify LD_PRELOAD="$LIB" SOCKSIFY_PROXY="$pu" -- /bin/true
	cg_start socksify-cmd -- "$CLI" -q -p "$pu" /bin/true
	if [ -n "$PC" ]; then
		cg_start proxychains LD_PRELOAD="$PCLIB" PROXYCHAINS_CONF_FILE="$WORK/pc-dn.conf" -- /bin/true
		cg_start proxychains-cmd -- "$PC" -q -f "$WORK/pc-dn.conf" /bin/true
	fi
	if [ -n "$DANTE_CLIENT" ]; then
		cg_start dante SOCKS_CONF="$WORK/dante-dn.conf" LD_PRELOAD="$DANTE_LIB libdl.so.2" \
			LD_LIBRARY_PATH="$DANTE_LIBDIR" -- /bin/true
	fi
	step "callgrind: per proxied TCP connection (danted), by ip and by name"
	for c in "${CONTENDERS[@]}"; do
		[ "${PATHOK[$c/dn/ip]:-}" = failed ] || cg_per conn-ip "$c" dn 20 120 conn --target "127.0.0.1:$ECHO_PORT"
		[ "${PATHOK[$c/dn/name]:-}" = failed ] || cg_per conn-name "$c" dn 20 120 conn --target "$(target_name "$c"):$ECHO_PORT"
	done
	step "callgrind: per UDP datagram round trip (danted)"
	for c in "${CONTENDERS[@]}"; do
		[ "${PATHOK[$c/dn/udp]:-}" = failed ] || cg_per udp "$c" dn 100 600 udp --target "127.0.0.1:$UDP_PORT"
	done
	step "callgrind: per fake-DNS lookup (new names)"
	for c in "${CONTENDERS[@]}"; do
		case $c in direct | native) continue ;; esac
		cg_per fakedns "$c" dn 200 1200 fakedns
	done
	# where socksify's instructions go
	for f in write conn-ip conn-name udp fakedns; do
		for n in n1 n2; do
			[ ! -e "$CG/$f.socksify.$n.out" ] || annotate "$CG/$f.socksify.$n.out" "$CG/ann-$f.$n.txt"
		done
	done
	for f in direct empty socksify; do
		[ ! -d "$CG/$f" ] || annotate "$(ls "$CG/$f"/cg.* | head -n1)" "$CG/ann-startup-$f.txt"
	done
	return 0
}

# --------------------------------------------------------------- main --

step "build $B; work dir $WORK"
start_servers
peer_confs
step "servers: echo $ECHO_PORT, who $WHO_PORT, udp $UDP_PORT, bulk $BULK_PORT; danted $DN_PORT (none), ${DA_PORT:-no} (username), microsocks $MS_PORT"
step "contenders: ${CONTENDERS[*]}"
step "verifying every contender's path (who answered: the proxy's external address?)"
verify
awk -F'\t' '$1 == "verify" { printf "bench:   %-12s %-3s %-5s %-10s %s\n", $3, $4, $2, $5, $6 }' "$RAW"
for r in $(seq "$ROUNDS"); do round "$r"; done
if only memory; then memory; fi
if [ "$CALLGRIND" = 1 ] && only callgrind; then instructions; fi

if [ "$SMOKE" = 1 ]; then
	# the peers' failures are theirs (reported, not fatal); ours are fatal
	awk -F'\t' '$5 == "failed" && $1 != "verify"' "$RAW" | sed 's/^/bench: failed: /'
	fails=$(awk -F'\t' '$5 == "failed" && $1 != "verify" && $3 !~ /^(proxychains|dante)/' "$RAW" | wc -l)
	bad=$(awk -F'\t' '$1 == "verify" && $5 != "ok" && $3 ~ /^(native|socksify)$/' "$RAW" | wc -l)
	step "smoke: $(wc -l <"$RAW") results, $fails failed measurement(s) of direct/native/socksify, $bad unverified path(s)"
	fails=$((fails + bad))
	python3 "$HERE/report.py" --raw "$RAW" --work "$WORK" --out "$WORK/report.md" --smoke >/dev/null
	[ "$fails" -eq 0 ] || exit 1
	exit 0
fi

OUT=${BENCH_OUT:-$ROOT/tests/bench/results/$(date +%F).md}
mkdir -p "$(dirname "$OUT")"
cp "$RAW" "${OUT%.md}.tsv"
python3 "$HERE/report.py" --raw "$RAW" --work "$WORK" --out "$OUT" \
	--rounds "$ROUNDS" --seconds "$SECS" --names "$FAKE_NAMES" --peer-names "$PEER_NAMES" --bulk-mb "$BULK_MB"
step "report: $OUT"
