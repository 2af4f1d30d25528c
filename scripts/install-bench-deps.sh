#!/bin/sh
# Installs what `make bench` needs beyond scripts/install-deps.sh on Debian 12:
# the peers it compares against, proxychains4 and Dante's client. Dante's
# package installs its own /usr/bin/socksify: the benchmark always calls the
# project's build by path and Dante's as /usr/bin/socksify.
exec "$(dirname "$0")/install-deps.sh" dante-client proxychains4
