# Sourced by the benchmark scripts: a private tgtd and istmd in a temporary
# directory on one loopback address, started and stopped by PID.
#
# Environment (defaults in brackets):
#   BUILD       the build directory [./build]
#   BENCH_ADDR  loopback address [127.0.17.1]
#   BENCH_TGT   tgtd control port [1700] (a second one, +1, for baselines)
#   BENCH_ADDR2 the baselines' second tgtd's portal address [127.0.17.2] (B6)
#   BENCH_EPM   istmd's endpoint-mapper port [17135]; object port = +1
#   BENCH_DIR   working directory [mktemp under /var/tmp: not tmpfs, so that
#               file benchmarks see a real file system]

BUILD=${BUILD:-$PWD/build}
BENCH_ADDR=${BENCH_ADDR:-127.0.17.1}
BENCH_TGT=${BENCH_TGT:-1700}
BENCH_ADDR2=${BENCH_ADDR2:-127.0.17.2}
BENCH_EPM=${BENCH_EPM:-17135}
BENCH_USER=bench
BENCH_PASSWORD=Bench-secret-1
ISTMD=${ISTMD:-$BUILD/src/daemon/istmd}
ISTMCTL=$BUILD/src/ctl/istmctl
BENCH_BIN=$BUILD/tests/bench
TGTD_PID=
ISTMD_PID=

bench_dir_init() {
	BENCH_DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/istmd-bench.XXXXXX)}
	mkdir -p "$BENCH_DIR/storage" "$BENCH_DIR/state"
	printf '%s\n' "$BENCH_PASSWORD" > "$BENCH_DIR/password"
	chmod 600 "$BENCH_DIR/password"
	[ -f "$BENCH_DIR/users" ] ||
		printf '%s\n' "$BENCH_PASSWORD" |
		"$ISTMCTL" user add --users-file "$BENCH_DIR/users" --admin "$BENCH_USER" >/dev/null
}

# bench_conf [extra lines...]
bench_conf() {
	{
		echo "[log]"; echo "level = warning"
		echo "[rpc]"; echo "listen = $BENCH_ADDR"
		echo "endpoint_mapper_port = $BENCH_EPM"; echo "object_port = $((BENCH_EPM + 1))"
		echo "min_auth_level = integrity"
		[ -n "${BENCH_RPC_EXTRA:-}" ] && printf '%s\n' "$BENCH_RPC_EXTRA"
		echo "[general]"; echo "name = bench"
		echo "[auth]"; echo "users_file = $BENCH_DIR/users"
		echo "[state]"; echo "dir = $BENCH_DIR/state"
		[ -n "${BENCH_STATE_EXTRA:-}" ] && echo "$BENCH_STATE_EXTRA"
		echo "[storage]"; echo "roots = $BENCH_DIR/storage"
		echo "[iscsi]"; echo "backend = tgt"; echo "tgt_control_port = $BENCH_TGT"
		echo "portal = $BENCH_ADDR:3260"
		for l in "$@"; do echo "$l"; done
	} > "$BENCH_DIR/istmd.conf"
}

tgtd_up() { tgtadm -C "${1:-$BENCH_TGT}" --mode system --op show >/dev/null 2>&1; }

# tgtd_start [control port] [portal]: sets TGTD_PID (or $2 for others)
tgtd_start() {
	local port=${1:-$BENCH_TGT} portal=${2:-$BENCH_ADDR:3260}
	if tgtd_up "$port"; then
		echo "bench: a tgtd nobody started here answers on control port $port" >&2
		return 1
	fi
	/usr/sbin/tgtd -f -C "$port" --iscsi "portal=$portal" >>"$BENCH_DIR/tgtd.$port.log" 2>&1 &
	local pid=$! i
	for i in $(seq 250); do tgtd_up "$port" && break; sleep 0.02; done
	tgtd_up "$port" || { echo "bench: tgtd did not start" >&2; return 1; }
	LAST_TGTD_PID=$pid
	[ "$port" = "$BENCH_TGT" ] && TGTD_PID=$pid
	return 0
}

tgtd_kill() {
	local pid=${1:-$TGTD_PID}
	[ -n "$pid" ] || return 0
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ "$pid" = "$TGTD_PID" ] && TGTD_PID=
	return 0
}

istmd_start() {
	"$ISTMD" --config "$BENCH_DIR/istmd.conf" --foreground >>"$BENCH_DIR/istmd.log" 2>&1 &
	ISTMD_PID=$!
	local i
	for i in $(seq 500); do
		"$BENCH_BIN/bench_scale" --probe >/dev/null 2>&1 && return 0
		kill -0 "$ISTMD_PID" 2>/dev/null || break
		sleep 0.02
	done
	echo "bench: istmd did not start (see $BENCH_DIR/istmd.log)" >&2
	return 1
}

istmd_stop() {
	[ -n "$ISTMD_PID" ] || return 0
	kill -TERM "$ISTMD_PID" 2>/dev/null
	wait "$ISTMD_PID" 2>/dev/null
	ISTMD_PID=
}

bench_cleanup() {
	istmd_stop
	tgtd_kill
	[ -n "${BASE_TGTD_PID:-}" ] && tgtd_kill "$BASE_TGTD_PID"
	# loop devices over our files
	losetup -a 2>/dev/null | grep -F "$BENCH_DIR/" | cut -d: -f1 | while read -r d; do
		losetup -d "$d" 2>/dev/null
	done
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$BENCH_DIR"
}

bench_args() {
	echo --host "$BENCH_ADDR" --port "$BENCH_EPM" --user "$BENCH_USER" --password "$BENCH_PASSWORD"
}

# median of the numbers on standard input
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# field NAME of a "k=v k=v" line
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
