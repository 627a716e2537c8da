#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from its seeds, as ctest and
# scripts/test.sh do (tests/fuzz/README.md):
#
#   run_fuzz.sh TARGET SECONDS WORKDIR SEED_DIR...
#
# New inputs go to WORKDIR/corpus/<target> (kept between runs, never into the
# source tree); a crash, leak, timeout or sanitizer report leaves its input in
# WORKDIR/artifacts/<target>/ and fails the run. Prints the executions done.
set -uo pipefail

target=$1 seconds=$2 work=$3
shift 3
name=$(basename "$target")
corpus=$work/corpus/$name
artifacts=$work/artifacts/$name
mkdir -p "$corpus" "$artifacts"
seeds=()
for d in "$@"; do
  [ -d "$d" ] && seeds+=("$d")
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$work/$name.log
# -timeout: one input taking longer is a hang; -rss_limit_mb: a memory blow-up.
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$corpus" "${seeds[@]+"${seeds[@]}"}" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
if [ $rc != 0 ]; then
  echo "$name: FAILED (exit $rc) after ${execs:-?} executions; input in $artifacts/" |
    tee "$work/$name.summary"
  tail -n 60 "$log"
  exit 1
fi
echo "$name: ${execs:-?} executions in ${seconds} s, no crash, leak or hang" \
  "(corpus $(find "$corpus" -type f | wc -l) files)" | tee "$work/$name.summary"
