#!/usr/bin/env bash
# README's command 1 (scripts/quickstart.sh) on this build tree, without
# installing or building: it starts tgtd and istmd, creates nothing but the
# admin account, prints how to connect, answers istmctl, keeps its state
# across a second run, and SIGTERM stops both daemons by PID.
#
#   quickstart_smoke.sh TOP BUILD_DIR ADDRESS TGT_CONTROL_PORT
set -uo pipefail
top=$1 build=$2 addr=$3 tgt_port=$4
istmctl=$build/src/ctl/istmctl
fail() { echo "not ok - $*"; [ -f "${out:-}" ] && tail -n 30 "$out"; exit 1; }
[ "$(id -u)" = 0 ] && [ -x /usr/sbin/tgtd ] || { echo "# skip: needs root and tgtd"; exit 77; }

dir=$(mktemp -d /tmp/istmd-quickstart.XXXXXX)
qs_pid=
cleanup() {
  if [ -n "$qs_pid" ] && kill -0 "$qs_pid" 2>/dev/null; then
    kill -TERM "$qs_pid"; sleep 3; kill -KILL "$qs_pid" 2>/dev/null
  fi
  # What a failed run left behind (a failure reported above): never leak it.
  local pid
  for pid in $(sed -n 's/^istmd is running (PID \([0-9]*\)).*/\1/p; s/.*its own tgtd (PID \([0-9]*\),.*/\1/p' "$dir"/out.* 2>/dev/null); do
    grep -qaE "istmd|tgtd" "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid"
  done
  rm -rf "$dir"
}
trap cleanup EXIT

# Runs the quick start in the background; waits (30 s) for "ready".
start() {
  out=$dir/out.$1
  ISTMD_SKIP_BUILD=1 ISTMD_BUILD_DIR=$build ISTMD_RUN_DIR=$dir/run ISTMD_ADDR=$addr \
    ISTMD_EPM_PORT=1135 ISTMD_ISCSI_PORT=3260 ISTMD_TGT_CONTROL_PORT=$tgt_port \
    setsid "$top/scripts/quickstart.sh" >"$out" 2>&1 </dev/null &
  qs_pid=$!
  for _ in $(seq 300); do
    grep -q "^quickstart: ready" "$out" && return 0
    kill -0 "$qs_pid" 2>/dev/null || fail "quickstart exited before it was ready"
    sleep 0.1
  done
  fail "quickstart was not ready within 30 s"
}

# SIGTERM; the script and both daemons gone within 15 s.
stop() {
  local istmd_pid tgtd_pid
  istmd_pid=$(sed -n 's/^istmd is running (PID \([0-9]*\)).*/\1/p' "$out")
  tgtd_pid=$(sed -n 's/.*its own tgtd (PID \([0-9]*\),.*/\1/p' "$out")
  [ -n "$istmd_pid" ] && [ -n "$tgtd_pid" ] || fail "the PIDs are not in the output"
  kill -TERM "$qs_pid"
  for _ in $(seq 150); do
    kill -0 "$qs_pid" 2>/dev/null || kill -0 "$istmd_pid" 2>/dev/null ||
      kill -0 "$tgtd_pid" 2>/dev/null || break
    sleep 0.1
  done
  ! kill -0 "$qs_pid" 2>/dev/null && ! kill -0 "$istmd_pid" 2>/dev/null &&
    ! kill -0 "$tgtd_pid" 2>/dev/null || fail "SIGTERM did not stop the quick start and both daemons"
  wait "$qs_pid"; local rc=$?
  qs_pid=
  [ $rc = 0 ] || fail "quickstart exited with $rc after SIGTERM"
  grep -q "stopping istmd (PID $istmd_pid)" "$out" && grep -q "stopping tgtd (PID $tgtd_pid)" "$out" ||
    fail "it did not say it stopped both by PID"
  echo "ok - SIGTERM stops istmd ($istmd_pid) and tgtd ($tgtd_pid) by PID"
}

ctl() { "$istmctl" --server "$addr:1135" --user admin --password-file "$dir/run/admin-password" "$@"; }

start 1
password=$(sed -n 's/^  Account: *admin \/ \(.*\)$/\1/p' "$out")
[ -n "$password" ] && [ "$password" = "$(cat "$dir/run/admin-password")" ] ||
  fail "the printed password is not the one in run/admin-password"
[ "$(stat -c %a "$dir/run/admin-password")" = 600 ] || fail "run/admin-password is not mode 0600"
grep -q "istmctl --server $addr:1135 --user admin --password-file" "$out" &&
  grep -q "target create" "$out" && grep -q "iscsi-ls" "$out" || fail "no connection hints"
echo "ok - ready, the admin's password printed and kept (0600), connection hints"
info=$(ctl info) || fail "istmctl info: $info"
echo "ok - istmctl info: $(echo "$info" | tr '\n' ' ')"
[ "$(ctl target list --json | tr -d ' \n')" = '{"targets":[]}' ] &&
  [ "$(ctl disk list --json | tr -d ' \n')" = '{"disks":[]}' ] || fail "the quick start created something"
echo "ok - no target, no disk"
ctl target create kept >/dev/null || fail "target create"
stop

# Again: the same state and password; ISTMD_ADMIN_PASSWORD replaces it.
start 2
grep -q "admin / $password\$" "$out" || fail "the second run has another password"
ctl target show kept >/dev/null || fail "the target of the first run is gone"
echo "ok - a second run keeps the state and the password"
stop
ISTMD_ADMIN_PASSWORD='Chosen-password-9' start 3
grep -q "admin / Chosen-password-9\$" "$out" || fail "ISTMD_ADMIN_PASSWORD was not used"
ctl info >/dev/null || fail "istmctl with the chosen password"
echo "ok - ISTMD_ADMIN_PASSWORD sets the admin's password"
stop
