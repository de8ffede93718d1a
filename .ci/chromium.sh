#!/usr/bin/env bash
# chromium.sh makes sure the headless browser of the web UI's test is here.
#
#   .ci/chromium.sh ensure
#
# It installs Debian's chromium package when no browser is found (as root,
# with apt-get) and prints the browser's path. The test
# (cmd/cli TestWebUIInBrowser) looks for $SQUALL_CHROMIUM, then chromium on
# PATH; under make test SQUALL_REQUIRE_BROWSER=1 turns a missing browser
# into a failure rather than a skip.
set -euo pipefail

usage() {
	echo "usage: $0 ensure" >&2
	exit 2
}

[ "${1:-}" = ensure ] || usage

find_browser() {
	if [ -n "${SQUALL_CHROMIUM:-}" ]; then
		[ -x "$SQUALL_CHROMIUM" ] && { echo "$SQUALL_CHROMIUM"; return 0; }
		echo "chromium.sh: SQUALL_CHROMIUM=$SQUALL_CHROMIUM is not an executable" >&2
		return 1
	fi
	command -v chromium || command -v chromium-browser || return 1
}

if path=$(find_browser); then
	echo "$path"
	exit 0
fi
[ -z "${SQUALL_CHROMIUM:-}" ] || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "chromium.sh: Chromium is not installed and this is not root;" >&2
	echo "chromium.sh: install Debian's package first: sudo apt-get install -y chromium" >&2
	exit 1
fi
echo "chromium.sh: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >&2 || { apt-get update -q >&2 && apt-get install -y -q chromium >&2; }
path=$(find_browser) || { echo "chromium.sh: chromium still missing after install" >&2; exit 1; }
"$path" --version >&2 || true
echo "$path"
