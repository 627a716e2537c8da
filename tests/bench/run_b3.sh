# B3 (sourced by run_all.sh): scale at 100 / 1,000 / 10,000 targets and as
# many disks (registered VHD files, not mapped: a LUN costs a loop device).
b3_count_live() {
	tgtadm -C "$BENCH_TGT" --mode target --op show 2>/dev/null | grep -c '^Target '
}
# Whether tid N exists: cheap for tgtd, unlike listing every target (which
# costs tgtd seconds at 10,000 targets and would slow the re-apply it
# measures). tids are given lowest-free, so tid N means all N are there
# (checked once at the end with b3_count_live).
b3_has_tid() {
	tgtadm -C "$BENCH_TGT" --mode target --op show --tid "$1" >/dev/null 2>&1
}

if want B3; then
	# the baselines' second tgtd listens here
	BENCH_FLOOR_ADDR=${BENCH_FLOOR_ADDR:-${BENCH_ADDR%.*}.$((${BENCH_ADDR##*.} + 1))}
	sizes="100 1000 10000"
	[ "$QUICK" = 1 ] && sizes="100 1000"
	fresh_state || exit 1
	D=$BENCH_DIR/storage/disks
	mkdir -p "$D"
	"$BENCH_BIN/bench_scale" --create-file "$D/d0.vhd" 8388608 >> "$RAW" || exit 1
	have=0
	declare -A B3
	for n in $sizes; do
		add=$((n - have))
		line=$("$BENCH_BIN/bench_scale" --create-targets "$add" --start "$have" | tee -a "$RAW")
		B3[create_$n]=$(echo "$line" | field 'create_ms_last[0-9]*')
		for i in $(seq "$((have == 0 ? 1 : have))" "$((n - 1))"); do
			cp --sparse=always "$D/d0.vhd" "$D/d$i.vhd"
		done
		"$BENCH_BIN/bench_scale" --register-disks "$D" "$((have == 0 ? n : add))" --start "$have" \
			>> "$RAW" || echo "# B3: registering disks failed at $n" | tee -a "$ROWS"
		have=$n
		walks=$(for r in 1 2 3; do "$BENCH_BIN/bench_scale" --walk-hosts | tee -a "$RAW" | field walk_s; done | median)
		B3[walk_$n]=$walks
		B3[dwalk_$n]=$(for r in 1 2 3; do "$BENCH_BIN/bench_scale" --walk-disks | tee -a "$RAW" | field walk_s; done | median)
		B3[rss_$n]=$(bench_proc_rss_kib() { awk '/VmRSS/ {print $2}' /proc/$1/status; }; bench_proc_rss_kib "$ISTMD_PID")
		# one reconcile pass over a matching system: istmd's CPU over 3 intervals
		# is measured by the B3 reconcile row below (reconcile_interval = 5)

		# restart to the first successful call
		istmd_stop
		# tgtd's own cost of one create at this size (istmd stopped)
		B3[cfloor_$n]=$(BENCH_FLOOR_ADDR=$BENCH_ADDR "$BENCH_BIN/bench_tgtfloor" "$BENCH_TGT" 20 --existing |
			tee -a "$RAW" | field floor_ms_per_target)
		"$ISTMD" --config "$BENCH_DIR/istmd.conf" --foreground >>"$BENCH_DIR/istmd.log" 2>&1 &
		ISTMD_PID=$!
		B3[restart_$n]=$("$BENCH_BIN/bench_scale" --first-call 120 2>/dev/null | tee -a "$RAW" | field first_call_s)

		# re-apply to a fresh tgtd: from its start until it has every target
		tgtd_kill
		t0=$(date +%s.%N)
		tgtd_start
		limit=$((n / 5 + 60))
		while ! b3_has_tid "$n"; do
			sleep 0.2
			[ "$(echo "$(date +%s.%N) - $t0 > $limit" | bc)" = 1 ] && break
		done
		B3[reapply_$n]=$(echo "$(date +%s.%N) - $t0" | bc)
		[ "$(b3_count_live)" -ge "$n" ] || B3[reapply_$n]=nan
		# the floor: the same requests straight to a second, fresh tgtd
		tgtd_start "$((BENCH_TGT + 1))" "$BENCH_FLOOR_ADDR:3260"
		BASE_TGTD_PID=$LAST_TGTD_PID
		B3[floor_$n]=$(BENCH_FLOOR_ADDR=$BENCH_FLOOR_ADDR "$BENCH_BIN/bench_tgtfloor" "$((BENCH_TGT + 1))" "$n" |
			tee -a "$RAW" | field floor_s)
		tgtd_kill "$BASE_TGTD_PID"
		BASE_TGTD_PID=
		echo "B3 n=$n ${B3[create_$n]} ${B3[walk_$n]} ${B3[dwalk_$n]} ${B3[rss_$n]} ${B3[restart_$n]} ${B3[reapply_$n]} ${B3[floor_$n]}" >> "$RAW"
	done
	first=${sizes%% *}
	for n in $sizes; do
		row "B3 create per target at $n (last 100)" "${B3[create_$n]}" "${B3[create_$first]}" "ms (at $first)"
		row "B3 create at $n vs tgtd floor (1 create)" "${B3[create_$n]}" "${B3[cfloor_$n]}" "ms (tgtd floor)"
		row "B3 IEnumHost walk, $n targets" "${B3[walk_$n]}" "${B3[walk_$first]}" "s (at $first)"
		row "B3 EnumWTDisks walk, $n disks" "${B3[dwalk_$n]}" "${B3[dwalk_$first]}" "s (at $first)"
		row "B3 restart to first call, $n" "${B3[restart_$n]}" "${B3[restart_$first]}" "s (at $first)"
		row "B3 re-apply to fresh tgtd, $n" "${B3[reapply_$n]}" "${B3[floor_$n]}" "s (tgtd floor)"
		row "B3 RSS, $n targets+disks" "${B3[rss_$n]}" "${B3[rss_$first]}" "KiB (at $first)"
	done
	set -- $sizes
	if [ $# -ge 3 ]; then
		row "B3 growth 1000->10000: walk" "${B3[walk_10000]}" "${B3[walk_1000]}" "s (x10 = linear)"
		row "B3 growth 1000->10000: re-apply" "${B3[reapply_10000]}" "${B3[reapply_1000]}" "s (x10 = linear)"
		row "B3 growth 1000->10000: create" "${B3[create_10000]}" "${B3[create_1000]}" "ms (x1 = flat)"
	fi
	# idle cost at the largest size: with the default login poll (one
	# "show target" per second, for LastLogIn), and reconcile passes alone
	# (poll off); the baseline is 1% of one CPU over the same 30 s
	b3_idle() {
		local c0 c1
		sleep 5
		c0=$(awk '{print $14 + $15}' /proc/$ISTMD_PID/stat)
		sleep 30
		c1=$(awk '{print $14 + $15}' /proc/$ISTMD_PID/stat)
		echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l | cut -c1-6
	}
	row "B3 idle CPU, $have targets, default poll" "$(b3_idle)" "0.30" "CPU-s in 30 s (1% of a CPU)"
	istmd_stop
	BENCH_STATE_EXTRA="login_poll_interval_ms = 0" bench_conf
	istmd_start
	row "B3 idle CPU, $have targets, passes only" "$(b3_idle)" "0.30" "CPU-s in 30 s (1% of a CPU)"
	bench_conf
fi
