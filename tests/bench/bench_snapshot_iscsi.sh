#!/bin/bash
# bench_snapshot_iscsi.sh: the copy-on-write cost of reflink snapshots seen
# by an initiator (issue 13). A real tgtd and istmd serve a fixed VHD on a
# loop-mounted XFS image (reflink=1); bench_iscsi (libiscsi, QD 8) writes
# to it with 0 (the baseline), 1 and 10 snapshots of the disk, taken just
# before each run so that every first write to a block pays the copy. The
# states are interleaved (0 1 10, 1 10 0, 10 0 1...), medians of REPS. Then the
# I/O hold of 2-disk sets taken while an initiator writes, from istmd's log
# (held in all, and of which stopping tgtd).
#
#   sudo tests/bench/bench_snapshot_iscsi.sh [--reps N] [--seconds S] [--size BYTES]
#
# Runs on 127.0.33.1, tgtd control port 3300, istmd's endpoint mapper 33135
# (BENCH_ADDR, BENCH_TGT, BENCH_EPM to change). BUILD: the build directory.
set -u
cd "$(dirname "$0")/../.." || exit 2
BENCH_ADDR=${BENCH_ADDR:-127.0.33.1}
BENCH_TGT=${BENCH_TGT:-3300}
BENCH_EPM=${BENCH_EPM:-33135}
. tests/bench/bench_env.sh

REPS=3
SECS=5
SIZE=$((2 << 30))
while [ $# -gt 0 ]; do
	case $1 in
	--reps) REPS=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--size) SIZE=$2; shift 2 ;;
	*) echo "usage: $0 [--reps N] [--seconds S] [--size BYTES]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "bench_snapshot_iscsi: needs root" >&2; exit 77; }
for b in bench_iscsi bench_scale; do
	[ -x "$BENCH_BIN/$b" ] || { echo "build first: cmake --build build --target $b" >&2; exit 2; }
done

bench_dir_init
export BENCH_ADDR BENCH_EPM BENCH_USER BENCH_PASSWORD_FILE=$BENCH_DIR/password
IMG=$BENCH_DIR/xfs.img
cleanup() {
	[ -n "${WP:-}" ] && kill "$WP" 2>/dev/null
	istmd_stop
	tgtd_kill
	losetup -a 2>/dev/null | grep -F "$BENCH_DIR/storage/" | cut -d: -f1 |
		while read -r d; do losetup -d "$d"; done
	umount "$BENCH_DIR/storage" 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$BENCH_DIR"
}
trap cleanup EXIT
truncate -s $((SIZE * 3 + (4 << 30))) "$IMG" &&
	mkfs.xfs -q -f -m reflink=1 "$IMG" &&
	mount -o loop "$IMG" "$BENCH_DIR/storage" || { echo "cannot make the XFS image" >&2; exit 77; }
bench_conf
sed -i 's/^level = warning$/level = notice/' "$BENCH_DIR/istmd.conf" # the holds
tgtd_start || exit 1
istmd_start || exit 1
ictl() { "$ISTMCTL" -s "$BENCH_ADDR:$BENCH_EPM" -u "$BENCH_USER" -p "$BENCH_DIR/password" "$@"; }
INI=iqn.2025-01.org.istmd:bench-snap
A=$BENCH_DIR/storage/a.vhd
B=$BENCH_DIR/storage/b.vhd
wtd() { sed -n 's/.*"wtd": *\([0-9]*\).*/\1/p' | head -1; }
ictl target create snap >/dev/null || exit 1
WA=$(ictl --json disk create "$A" --size "$SIZE" | wtd)
WB=$(ictl --json disk create "$B" --size $((64 << 20)) | wtd)
C=$BENCH_DIR/storage/c.vhd
WC=$(ictl --json disk create "$C" --size $((1 << 30)) | wtd)
[ -n "$WA" ] && [ -n "$WB" ] && [ -n "$WC" ] || { echo "cannot create the disks" >&2; exit 1; }
# written once before it is served: the baseline overwrites data in place
dd if=/dev/zero of="$A" bs=1M count=$((SIZE >> 20)) conv=notrunc,fsync status=none
dd if=/dev/zero of="$C" bs=1M count=1024 conv=notrunc,fsync status=none
ictl map snap "$WA" >/dev/null && ictl map snap "$WB" >/dev/null &&
	ictl map snap "$WC" >/dev/null &&
	ictl allow snap "$INI" >/dev/null || exit 1
IQN=$(ictl --json target show snap | sed -n 's/.*"iqn": *"\([^"]*\)".*/\1/p' | head -1)
for i in $(seq 100); do
	[ "$(tgtadm -C "$BENCH_TGT" --mode target --op show | grep -c "Backing store path: /dev/loop")" -ge 3 ] && break
	sleep 0.1
done

snap_ids() { ictl --json snapshot list "$WA" | tr ',{' '\n\n' | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p'; }
# state N: no snapshot of the disk, then N taken just before the run
set_state() {
	for id in $(snap_ids); do ictl snapshot delete "$id" >/dev/null; done
	sync -f "$BENCH_DIR/storage" # XFS frees the deleted files' extents now, not during the run
	for _ in $(seq "$1"); do ictl snapshot create "$WA" >/dev/null || exit 1; done
}
extents() { xfs_io -r -c "fiemap" "${1:-$A}" 2>/dev/null | grep -vc "hole\|^/"; }

echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# disk $((SIZE >> 20)) MiB fixed VHD on XFS reflink (loop image), tgtd + istmd, bench_iscsi QD 8, ${SECS} s per run, medians of $REPS"
for t in "seq 65536" "rand 4096"; do
	set -- $t
	for n in 0 1 10; do : > "$BENCH_DIR/r.$1.$n"; done
	for r in $(seq "$REPS"); do
		# the order turns each round (0 1 10, 1 10 0, 10 0 1): what a run
		# leaves behind (XFS freeing, writeback) hits each state alike
		case $((r % 3)) in 1) order="0 1 10" ;; 2) order="1 10 0" ;; 0) order="10 0 1" ;; esac
		for n in $order; do
			set_state "$n"
			e0=$(extents)
			"$BENCH_BIN/bench_iscsi" --portal "$BENCH_ADDR:3260" --target "$IQN" \
				--initiator "$INI" --lun 1 --pattern "$1" --rw write --bs "$2" \
				--qd 8 --seconds "$SECS" --span "$SIZE" > "$BENCH_DIR/one" || exit 1
			echo "$(cat "$BENCH_DIR/one") snapshots=$n extents_before=$e0 extents_after=$(extents)" |
				tee -a "$BENCH_DIR/raw" >> "$BENCH_DIR/r.$1.$n"
		done
	done
	base=$(field mib_s < "$BENCH_DIR/r.$1.0" | median)
	for n in 0 1 10; do
		m=$(field mib_s < "$BENCH_DIR/r.$1.$n" | median)
		iops=$(field iops < "$BENCH_DIR/r.$1.$n" | median)
		ext=$(field extents_after < "$BENCH_DIR/r.$1.$n" | median)
		printf '%-5s %3d KiB writes, %2d snapshot(s): %8.1f MiB/s %8.0f IOPS  %5.2f x baseline  (extents after: %s)\n' \
			"$1" $(($2 / 1024)) "$n" "$m" "$iops" "$(echo "$m / $base" | bc -l)" "$ext"
	done
done
set_state 0

# the hold of 2-disk sets under an initiator's random 4 KiB writes: a disk
# written once (few extents), then A after the runs above (many extents)
hold_sets() { # LUN DISK1 DISK2 FILE LABEL
	local from
	from=$(($(wc -l < "$BENCH_DIR/istmd.log") + 1))
	"$BENCH_BIN/bench_iscsi" --portal "$BENCH_ADDR:3260" --target "$IQN" --initiator "$INI" \
		--lun "$1" --pattern rand --rw write --bs 4096 --qd 8 --seconds 60 > /dev/null &
	WP=$!
	sleep 2
	for _ in $(seq 9); do ictl snapshot create "$2" "$3" >/dev/null; sleep 0.3; done
	kill "$WP" 2>/dev/null; wait "$WP" 2>/dev/null; WP=
	tail -n +"$from" "$BENCH_DIR/istmd.log" |
		grep -o "2 disk(s) at one instant, content held for [0-9]* us ([0-9]* us" |
		sed 's/.*held for \([0-9]*\) us (\([0-9]*\) us/\1 \2/' > "$BENCH_DIR/holds"
	printf '2-disk sets, %s (%s extents), under random 4 KiB writes at QD 8: %s sets, held median %s us (max %s), of which stopping tgtd median %s us (max %s)\n' \
		"$5" "$(extents "$4")" "$(wc -l < "$BENCH_DIR/holds")" \
		"$(cut -d' ' -f1 "$BENCH_DIR/holds" | median)" "$(cut -d' ' -f1 "$BENCH_DIR/holds" | sort -g | tail -1)" \
		"$(cut -d' ' -f2 "$BENCH_DIR/holds" | median)" "$(cut -d' ' -f2 "$BENCH_DIR/holds" | sort -g | tail -1)"
}
hold_sets 3 "$WC" "$WB" "$C" "a 1 GiB disk written once"
hold_sets 1 "$WA" "$WB" "$A" "the 2 GiB disk after the runs above"
