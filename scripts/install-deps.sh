#!/bin/sh
# Installs everything socksify needs to build, test and run its demo on
# Debian 12. The only step of the project that needs root.
#   scripts/install-deps.sh [EXTRA_PACKAGE...]
set -eu

packages="
  build-essential pkg-config check uthash-dev
  bats bats-assert bats-support
  dante-server microsocks
  curl wget python3 socat ncat dnsutils nodejs
  iproute2 nftables tcpdump procps util-linux openssl passwd strace libcap2-bin git openssh-client
  man-db groff-base clang-tidy cppcheck
  jq clang libclang-rt-14-dev valgrind
  $*
"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (sudo $0)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# dante-server's maintainer scripts try to start a system-wide danted; the
# project starts its own servers, so keep package scripts from starting any.
policy=/usr/sbin/policy-rc.d
created_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	created_policy=1
fi
cleanup() { [ -z "$created_policy" ] || rm -f "$policy"; }
trap cleanup EXIT

apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $packages
