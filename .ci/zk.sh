#!/usr/bin/env bash
# zk.sh runs a command with a throwaway ZooKeeper for tests.
#
#   .ci/zk.sh run -- CMD ARGS...
#
# It installs Debian's zookeeper package when missing (as root), starts a
# standalone server on a free loopback port with its data and logs in a fresh
# temporary directory, waits until it answers ruok, exports
# SQUALL_ZK=127.0.0.1:PORT, runs CMD, and always stops the server and removes
# the directory. It exits with CMD's exit code. When SQUALL_ZK is already
# set, it only runs CMD against that server.
set -euo pipefail

# The launcher of Debian's zookeeper package (overridable to test this script).
ZK_SERVER=${SQUALL_ZK_SERVER_SH:-/usr/share/zookeeper/bin/zkServer.sh}
READY_TIMEOUT_S=60 # bound on the wait for ruok -> imok and srvr -> Mode

usage() {
	echo "usage: $0 run -- CMD ARGS..." >&2
	exit 2
}

[ "${1:-}" = run ] || usage
shift
[ "${1:-}" = -- ] || usage
shift
[ $# -gt 0 ] || usage

if [ -n "${SQUALL_ZK:-}" ]; then
	exec "$@"
fi

ensure_installed() {
	[ -x "$ZK_SERVER" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "zk.sh: ZooKeeper is not installed ($ZK_SERVER missing) and this is not root;" >&2
		echo "zk.sh: install Debian's package first: sudo apt-get install -y zookeeper" >&2
		exit 1
	fi
	echo "zk.sh: installing Debian's zookeeper package" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q zookeeper >&2
	[ -x "$ZK_SERVER" ] || { echo "zk.sh: $ZK_SERVER still missing after install" >&2; exit 1; }
}

# free_port asks the kernel for a free port by binding port 0 (python3 when
# present), falling back to probing a random high port with /dev/tcp.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
		return
	fi
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	echo "zk.sh: no free port found" >&2
	exit 1
}

# four_letter prints the server's answer to a four-letter command.
four_letter() {
	local port=$1 cmd=$2 answer=""
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s' "$cmd" >&3
	answer=$(timeout 2 cat <&3 || true)
	exec 3>&- 3<&-
	printf '%s' "$answer"
}

# ready: the listener answers ruok with imok, and the server serves requests
# (srvr reports its mode; until then it closes clients' connections).
ready() {
	[ "$(four_letter "$1" ruok 2>/dev/null || true)" = imok ] &&
		four_letter "$1" srvr 2>/dev/null | grep -q '^Mode: '
}

ensure_installed

TMP_DIR=$(mktemp -d -t squall-zk.XXXXXX)
ZK_PID=""

stop_zookeeper() {
	local code=$?
	trap - EXIT INT TERM
	if [ -n "$ZK_PID" ] && kill -0 "$ZK_PID" 2>/dev/null; then
		# The server runs in its own process group (set -m): end the group.
		kill -TERM -- "-$ZK_PID" 2>/dev/null || kill -TERM "$ZK_PID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$ZK_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$ZK_PID" 2>/dev/null || kill -KILL "$ZK_PID" 2>/dev/null || true
		wait "$ZK_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP_DIR"
	exit "$code"
}
trap stop_zookeeper EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(free_port)
mkdir -p "$TMP_DIR/data" "$TMP_DIR/log"
cat >"$TMP_DIR/zoo.cfg" <<EOF
tickTime=200
initLimit=10
syncLimit=5
dataDir=$TMP_DIR/data
clientPort=$PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
minSessionTimeout=400
admin.enableServer=false
4lw.commands.whitelist=*
EOF

# Debian's zkEnv.sh fixes ZOO_LOG_DIR; the JVM flag after it wins.
export ZOO_LOG_DIR="$TMP_DIR/log"
export SERVER_JVMFLAGS="-Dzookeeper.log.dir=$TMP_DIR/log -Dzookeeper.root.logger=INFO,ROLLINGFILE ${SERVER_JVMFLAGS:-}"
set -m # a background job gets its own process group
"$ZK_SERVER" start-foreground "$TMP_DIR/zoo.cfg" >"$TMP_DIR/log/server.out" 2>&1 &
ZK_PID=$!
set +m

deadline=$((SECONDS + READY_TIMEOUT_S))
until ready "$PORT"; do
	if ! kill -0 "$ZK_PID" 2>/dev/null; then
		echo "zk.sh: ZooKeeper exited during startup; its output:" >&2
		tail -n 40 "$TMP_DIR/log/server.out" >&2 || true
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "zk.sh: ZooKeeper not ready (ruok, srvr) within ${READY_TIMEOUT_S}s; its output:" >&2
		tail -n 40 "$TMP_DIR/log/server.out" >&2 || true
		exit 1
	fi
	sleep 0.2
done

export SQUALL_ZK="127.0.0.1:$PORT"
echo "zk.sh: ZooKeeper ready at $SQUALL_ZK" >&2

# CMD runs as a background job in its own process group, so that a signal
# reaches this script at once (bash runs traps only between foreground
# commands, and without job control a background command ignores SIGINT):
# the script passes INT or TERM on to CMD's group, waits for CMD, and the
# EXIT trap stops ZooKeeper.
CMD_PID=""
forward() {
	[ -n "$CMD_PID" ] && { kill "-$1" -- "-$CMD_PID" 2>/dev/null || kill "-$1" "$CMD_PID" 2>/dev/null; } || true
}
trap 'forward INT' INT
trap 'forward TERM' TERM
set +e
set -m
"$@" <&0 &
CMD_PID=$!
set +m
while :; do
	wait "$CMD_PID"
	code=$?
	kill -0 "$CMD_PID" 2>/dev/null || break # else a trapped signal interrupted wait
done
set -e
exit "$code"
