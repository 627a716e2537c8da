# B4, B5, B6 (sourced by run_all.sh).
ictl() {
	"$ISTMCTL" -s "$BENCH_ADDR:$BENCH_EPM" -u "$BENCH_USER" -p "$BENCH_DIR/password" "$@"
}

# ---- B4: CreateWtFile of a fixed VHD vs fallocate on the same file system ----
if want B4; then
	size=$((32 << 30)); label=32GiB
	[ "$QUICK" = 1 ] && { size=$((4 << 30)); label=4GiB; }
	tgtd_up || fresh_state || exit 1
	[ -n "$ISTMD_PID" ] || istmd_start || exit 1
	a=$BENCH_DIR/b4a.txt; b=$BENCH_DIR/b4b.txt; c=$BENCH_DIR/b4c.txt
	: > "$a"; : > "$b"; : > "$c"
	b4_istmd() {
		f=$BENCH_DIR/storage/b4-$i.vhd
		"$BENCH_BIN/bench_scale" --create-file "$f" "$size" | tee -a "$RAW" | field create_file_s >> "$a"
		rm -f "$f"; sync; sleep 1 # let the freed extents settle (discard)
	}
	b4_base() {
		g=$BENCH_DIR/storage/b4-$i.img
		# in process (bench_falloc): fallocate, then fsync of file and directory
		l=$("$BENCH_BIN/bench_falloc" "$g" "$size")
		echo "B4 baseline $l" >> "$RAW"
		echo "$l" | field falloc_s >> "$b"
		echo "$l" | field falloc_fsync_s >> "$c"
		rm -f "$g"; sync; sleep 1
	}
	# interleaved, and each side first every other time (the first after
	# a large removal may pay for its discards)
	for i in $(seq "$REPS"); do
		if [ $((i % 2)) = 1 ]; then b4_istmd; b4_base; else b4_base; b4_istmd; fi
	done
	row "B4 CreateWtFile fixed $label" "$(median < "$a")" "$(median < "$b")" "s (fallocate)"
	row "B4 CreateWtFile fixed $label" "$(median < "$a")" "$(median < "$c")" "s (fallocate + fsync of file and directory)"
fi

# ---- B5: RSS per idle connection at 1,000 connections ----
if want B5; then
	ulimit -n 8192
	istmd_stop
	BENCH_RPC_EXTRA=$'max_connections = 5000\nmax_connections_per_peer = 5000\nhandshake_timeout = 300\nidle_timeout = 3600' bench_conf
	tgtd_up || tgtd_start || exit 1
	istmd_start || exit 1
	for kind in tcp ntlm; do
		fifo=$BENCH_DIR/b5.fifo; out=$BENCH_DIR/b5.out
		rm -f "$fifo"; mkfifo "$fifo"
		sleep 1
		r0=$(awk '/VmRSS/ {print $2}' /proc/$ISTMD_PID/status)
		"$BENCH_BIN/bench_load" --mode "hold-$kind" $(bench_args) --conns 1000 < "$fifo" > "$out" &
		hp=$!
		exec 3> "$fifo"
		for i in $(seq 600); do grep -q held "$out" && break; sleep 0.1; done
		sleep 1
		r1=$(awk '/VmRSS/ {print $2}' /proc/$ISTMD_PID/status)
		exec 3>&-
		wait "$hp"
		echo "B5 $kind rss0=$r0 rss1=$r1 $(cat "$out")" >> "$RAW"
		ref=5.5; [ "$kind" = ntlm ] && ref=12.4
		row "B5 RSS per idle $kind connection (1000)" "$(echo "($r1 - $r0) / 1000" | bc -l | cut -c1-5)" "$ref" "KiB (issue 16's figure)"
	done
	bench_conf
	istmd_stop
	istmd_start
fi

# ---- B6: iSCSI through a fixed VHD LUN vs tgtd serving the raw file ----
if want B6; then
	size=$((1 << 30)); secs=10
	[ "$QUICK" = 1 ] && { size=$((256 << 20)); secs=3; }
	tgtd_up || fresh_state || exit 1
	[ -n "$ISTMD_PID" ] || istmd_start || exit 1
	INI=iqn.2025-01.org.istmd:bench-initiator
	vhd=$BENCH_DIR/storage/b6.vhd
	ictl target create b6 >/dev/null &&
		ictl disk create "$vhd" --size "$size" >/dev/null &&
		ictl map b6 "$vhd" >/dev/null &&
		ictl allow b6 "$INI" >/dev/null || { echo "B6: cannot set up istmd's LUN" >&2; }
	IQN=$(ictl --json target show b6 | sed -n 's/.*"iqn": *"\([^"]*\)".*/\1/p' | head -1)
	for i in $(seq 100); do
		tgtadm -C "$BENCH_TGT" --mode target --op show | grep -q "Backing store path: /dev/loop" && break
		sleep 0.1
	done
	# the baseline: a second tgtd, the same size of raw file, the same flags
	raw=$BENCH_DIR/storage/b6.raw
	fallocate -l "$size" "$raw"
	tgtd_start "$((BENCH_TGT + 1))" "$BENCH_ADDR2:3260" && BASE_TGTD_PID=$LAST_TGTD_PID
	RAWIQN=iqn.2025-01.org.istmd:bench-raw
	tgtadm -C "$((BENCH_TGT + 1))" --lld iscsi --mode target --op new --tid 1 -T "$RAWIQN"
	tgtadm -C "$((BENCH_TGT + 1))" --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 \
		-b "$raw" --bsoflags direct
	tgtadm -C "$((BENCH_TGT + 1))" --lld iscsi --mode target --op bind --tid 1 -I ALL
	# Both files written through once, outside the timed runs: otherwise
	# reads of never-written (unwritten) extents cost no disk I/O, and the
	# side that wrote faster in the write rows would read more real blocks.
	# The VHD's footer (past $size) is not touched.
	for f in "$vhd" "$raw"; do
		dd if=/dev/zero of="$f" bs=1M count=$((size >> 20)) oflag=direct conv=notrunc status=none
	done
	# writes first: both files are then written, reads read data
	for t in "seq write 65536" "seq read 65536" "rand write 4096" "rand read 4096"; do
		set -- $t
		a=$BENCH_DIR/b6a.txt; b=$BENCH_DIR/b6b.txt
		: > "$a"; : > "$b"
		for i in $(seq "$REPS"); do
			"$BENCH_BIN/bench_iscsi" --portal "$BENCH_ADDR:3260" --target "$IQN" --initiator "$INI" \
				--pattern "$1" --rw "$2" --bs "$3" --qd 8 --seconds "$secs" | tee -a "$RAW" >> "$a"
			"$BENCH_BIN/bench_iscsi" --portal "$BENCH_ADDR2:3260" --target "$RAWIQN" --initiator "$INI" \
				--pattern "$1" --rw "$2" --bs "$3" --qd 8 --seconds "$secs" | tee -a "$RAW" >> "$b"
		done
		row "B6 $1 $2 $(($3 / 1024)) KiB QD8, fixed VHD" "$(field mib_s < "$a" | median)" \
			"$(field mib_s < "$b" | median)" "MiB/s (tgtd, raw file)"
	done
	tgtd_kill "$BASE_TGTD_PID"
	BASE_TGTD_PID=
fi
