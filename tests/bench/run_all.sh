#!/bin/bash
# Runs the benchmarks against a private tgtd and istmd (tests/bench/README.md)
# and prints one table: each row a measurement, its baseline measured in the
# same run (interleaved: istmd, baseline, istmd, baseline...), the medians
# of REPS repetitions, and the ratio.
#
#   tests/bench/run_all.sh [--quick] [--only B1,B3,...] [--reps N] [--seconds S]
#
# --quick: B3 at 100 and 1,000 targets only, shorter B1/B2 runs, a 4 GiB B4
# and a short B6; the full run takes long (10,000 targets, 32 GiB).
# Run as root (tgtd, loop devices) from the source tree with the build in
# ./build (or BUILD=...). Raw lines go to $BENCH_DIR/raw.txt.
set -u
cd "$(dirname "$0")/../.."
. tests/bench/bench_env.sh

QUICK=0
ONLY=B1,B2,B3,B4,B5,B6
REPS=3
SECS=5
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; SECS=2 ;;
	--only) ONLY=$2; shift ;;
	--reps) REPS=$2; shift ;;
	--seconds) SECS=$2; shift ;;
	*) echo "usage: $0 [--quick] [--only B1,B2,...] [--reps N] [--seconds S]" >&2; exit 2 ;;
	esac
	shift
done
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

[ "$(id -u)" = 0 ] || { echo "run_all.sh: run as root (tgtd, loop devices)" >&2; exit 77; }
for b in bench_load bench_echo bench_scale; do
	[ -x "$BENCH_BIN/$b" ] || { echo "run_all.sh: build first: cmake --build build --target $b" >&2; exit 2; }
done

bench_dir_init
export BENCH_ADDR BENCH_EPM BENCH_USER BENCH_PASSWORD_FILE=$BENCH_DIR/password
trap bench_cleanup EXIT
RAW=$BENCH_DIR/raw.txt
ROWS=$BENCH_DIR/rows.txt
: > "$ROWS"
ECHO_PORT=$((BENCH_EPM + 5))

# row NAME ISTMD BASELINE UNIT [NOTE]: ratio = ISTMD / BASELINE
row() {
	local r
	r=$(awk -v a="$2" -v b="$3" 'BEGIN { if (b + 0 == 0 || a == "nan" || b == "nan") print "-"; else printf "%.2f", a / b }')
	printf '%-44s %12s %12s %8s  %s %s\n' "$1" "$2" "$3" "$r" "$4" "${5:-}" >> "$ROWS"
	printf '%-44s %12s %12s %8s  %s %s\n' "$1" "$2" "$3" "$r" "$4" "${5:-}"
}

machine() {
	echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null)"
}

fresh_state() {
	istmd_stop
	tgtd_kill
	rm -rf "$BENCH_DIR/state" && mkdir -p "$BENCH_DIR/state"
	bench_conf "$@"
	tgtd_start && istmd_start
}

# ---- B1/B2: calls vs a TCP echo of the same sizes -----------------------------------------------

# load_median FIELD FILE
load_median() { field "$1" < "$2" | median; }

# calls_vs_echo LABEL CONNS PIN MODE-ARGS...
calls_vs_echo() {
	local label=$1 conns=$2 pin=$3; shift 3
	local a=$BENCH_DIR/a.txt b=$BENCH_DIR/b.txt cpu=() i
	: > "$a"; : > "$b"
	[ "$pin" = 1 ] && cpu=(--cpu 0)
	[ "$pin" = 1 ] && taskset -a -p -c 0 "$ISTMD_PID" >/dev/null
	for i in $(seq "$REPS"); do
		"$BENCH_BIN/bench_load" "$@" --conns "$conns" --seconds "$SECS" --warmup 1 \
			--server-pid "$ISTMD_PID" "${cpu[@]}" | tee -a "$RAW" >> "$a"
		local req resp
		req=$(tail -1 "$a" | field req_bytes | cut -d. -f1)
		resp=$(tail -1 "$a" | field resp_bytes | cut -d. -f1)
		if [ -z "$req" ] || [ -z "$resp" ]; then
			echo "# $label: the istmd run failed (see $RAW)" | tee -a "$ROWS"
			return
		fi
		"$BENCH_BIN/bench_echo" --listen "$BENCH_ADDR" --port "$ECHO_PORT" --req "$req" \
			--resp "$resp" "${cpu[@]}" > "$BENCH_DIR/echo.out" &
		local ep=$!
		sleep 0.2
		"$BENCH_BIN/bench_load" --mode echo --host "$BENCH_ADDR" --port "$ECHO_PORT" \
			--req "$req" --resp "$resp" --conns "$conns" --seconds "$SECS" \
			--server-pid "$ep" "${cpu[@]}" | tee -a "$RAW" >> "$b"
		kill "$ep"; wait "$ep" 2>/dev/null
	done
	[ "$pin" = 1 ] && taskset -a -p -c "0-$(($(nproc) - 1))" "$ISTMD_PID" >/dev/null
	row "$label calls/server-CPU-s" "$(load_median calls_per_srv_cpu_s "$a")" \
		"$(load_median calls_per_srv_cpu_s "$b")" "calls/s of server CPU" \
		"($(tail -1 "$a" | field req_bytes)/$(tail -1 "$a" | field resp_bytes) B)"
	row "$label calls/s" "$(load_median calls_s "$a")" "$(load_median calls_s "$b")" "calls/s"
	row "$label p50 latency" "$(load_median p50_us "$a")" "$(load_median p50_us "$b")" "us"
	row "$label p99 latency" "$(load_median p99_us "$a")" "$(load_median p99_us "$b")" "us"
}

machine | tee "$ROWS"
printf '%-44s %12s %12s %8s  %s\n' "measurement" "istmd" "baseline" "ratio" "unit (baseline)" | tee -a "$ROWS"

if want B1 || want B2; then
	fresh_state || exit 1
fi
if want B1; then
	for c in 1 16; do
		pin=0; [ "$c" = 1 ] && pin=1
		calls_vs_echo "B1 sealed Name, $c conn" "$c" "$pin" --mode istm $(bench_args) --level privacy
		calls_vs_echo "B1 signed Name, $c conn" "$c" "$pin" --mode istm $(bench_args) --level integrity
	done
fi
if want B2; then
	for c in 1 16; do
		pin=0; [ "$c" = 1 ] && pin=1
		calls_vs_echo "B2 ept_map, $c conn" "$c" "$pin" --mode epm --host "$BENCH_ADDR" --port "$BENCH_EPM"
	done
	command -v samba-dcerpcd >/dev/null || [ -x /usr/libexec/samba/samba-dcerpcd ] ||
		echo "# B2: samba-dcerpcd is not installed: no comparison with it" | tee -a "$ROWS"
fi

. tests/bench/run_b3.sh
. tests/bench/run_b456.sh

echo
echo "# table in $ROWS; raw lines in $RAW (BENCH_KEEP=1 keeps $BENCH_DIR)"
