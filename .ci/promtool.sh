#!/usr/bin/env bash
# promtool.sh makes sure promtool (Prometheus's checker) is on PATH, for the
# tests that run `promtool check metrics` on scrapes of Squall's /metrics.
#
#   .ci/promtool.sh ensure
#
# Debian ships promtool in its prometheus package; when promtool is missing
# this installs that package (as root; without its recommended exporters).
# It exits non-zero, saying why, when promtool cannot be had.
set -euo pipefail

PACKAGE=prometheus
LOCK_TIMEOUT_S=600 # bound on the wait for another apt or dpkg run to finish

[ "${1:-}" = ensure ] || { echo "usage: $0 ensure" >&2; exit 2; }

command -v promtool >/dev/null 2>&1 && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "promtool.sh: promtool is not on PATH and this is not root;" >&2
	echo "promtool.sh: install Debian's package first: sudo apt-get install -y $PACKAGE" >&2
	exit 1
fi
echo "promtool.sh: installing Debian's $PACKAGE package for promtool" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=$LOCK_TIMEOUT_S update -q >&2
apt-get -o DPkg::Lock::Timeout=$LOCK_TIMEOUT_S install -y -q --no-install-recommends "$PACKAGE" >&2
command -v promtool >/dev/null 2>&1 || { echo "promtool.sh: promtool still missing after installing $PACKAGE" >&2; exit 1; }
