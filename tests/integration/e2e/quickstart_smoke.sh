#!/usr/bin/env bash
# README's command 1 (scripts/quickstart.sh) on this build tree, without
# installing or building: it starts tgtd and istmd, creates nothing but the
# admin account, prints how to connect, answers istmctl; README's "Using it"
# walkthrough then runs as written (only the address changed, apt-get left
# out) from a tree laid out like the top of the source tree; the state and an
# edited run/istmd.conf are kept across a second run, whose banner says so;
# SIGTERM stops both daemons by PID.
#
#   quickstart_smoke.sh TOP BUILD_DIR ADDRESS TGT_CONTROL_PORT
set -uo pipefail
top=$1 build=$2 addr=$3 tgt_port=$4
istmctl=$build/src/ctl/istmctl
fail() { echo "not ok - $*"; [ -f "${out:-}" ] && tail -n 30 "$out"; exit 1; }
[ "$(id -u)" = 0 ] && [ -x /usr/sbin/tgtd ] || { echo "# skip: needs root and tgtd"; exit 77; }

dir=$(mktemp -d /tmp/istmd-quickstart.XXXXXX)
# Like the top of the source tree: README's commands use build/, run/ and contrib/.
mkdir "$dir/top"
ln -s "$build" "$dir/top/build"
ln -s "$top/contrib" "$dir/top/contrib"
run=$dir/top/run
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
  ISTMD_SKIP_BUILD=1 ISTMD_BUILD_DIR=$build ISTMD_RUN_DIR=$run ISTMD_ADDR=$addr \
    ISTMD_ISCSI_PORT=3260 ISTMD_TGT_CONTROL_PORT=$tgt_port \
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

ctl() { "$istmctl" --server "$addr" --user admin --password-file "$run/admin-password" "$@"; }

start 1
password=$(sed -n 's/^  Account: *admin \/ \(.*\)$/\1/p' "$out")
[ -n "$password" ] && [ "$password" = "$(cat "$run/admin-password")" ] ||
  fail "the printed password is not the one in run/admin-password"
[ "$(stat -c %a "$run/admin-password")" = 600 ] || fail "run/admin-password is not mode 0600"
grep -q "istmctl --server $addr --user admin --password-file" "$out" &&
  grep -q "target create" "$out" && grep -q "iscsi-ls" "$out" || fail "no connection hints"
grep -q "object port 5135 (\[rpc\] object_port)" "$out" || fail "the object port is not fixed and named"
grep -q "Nothing is configured yet" "$out" && grep -q "istmd.conf (written now)" "$out" ||
  fail "the first run does not say it starts empty with a new configuration"
! grep -q "PowerShell" "$out" || fail "the banner names PowerShell"
echo "ok - ready, the admin's password printed and kept (0600), connection hints, fixed object port"
info=$(ctl info) || fail "istmctl info: $info"
echo "ok - istmctl info: $(echo "$info" | tr '\n' ' ')"
[ "$(ctl target list --json | tr -d ' \n')" = '{"targets":[]}' ] &&
  [ "$(ctl disk list --json | tr -d ' \n')" = '{"disks":[]}' ] || fail "the quick start created something"
echo "ok - no target, no disk"

# README's "Using it", as written but for the address; apt-get is the test's set-up.
walk=$dir/walkthrough.sh
awk '/^## Using it/ { f = 1 } f && /^```$/ { n++; if (n == 2) exit; next } f && n == 1' \
  "$top/README.md" | grep -v '^apt-get ' | sed "s/127\.0\.0\.2/$addr/g" >"$walk"
[ "$(grep -c "^\$C " "$walk")" -ge 5 ] || fail "no walkthrough found in README.md"
(cd "$dir/top" && timeout 120 bash -e "$walk") >"$dir/walk.out" 2>&1 ||
  { cat "$dir/walk.out"; fail "README's walkthrough failed"; }
[ "$(grep -c 'Lun:1 .*DIRECT_ACCESS' "$dir/walk.out")" = 2 ] ||
  { cat "$dir/walk.out"; fail "the walkthrough's initiator did not see LUN 1 before and after CHAP"; }
grep -q '"enabled": true' "$dir/walk.out" || fail "no target JSON at the end of the walkthrough"
echo "ok - README's walkthrough runs as written: the initiator sees LUN 1 before CHAP and with it"
example=$(grep -o '/usr/bin/python3 contrib/impacket_example.py [^`]*' "$top/README.md" |
  sed "s/127\.0\.0\.2/$addr/g")
[ -n "$example" ] || fail "README names no impacket example"
if [ -d /usr/lib/python3/dist-packages/impacket ]; then
  ex=$(cd "$dir/top" && timeout 60 $example 2>&1) || fail "the impacket example failed: $ex"
  echo "$ex" | grep -q "^guid: $(ctl info --json | sed -n 's/.*"guid": *"\([^"]*\)".*/\1/p')" ||
    fail "the impacket example printed: $ex"
  echo "ok - README's impacket example prints the server's name and GUID"
else
  echo "# skip: README's impacket example (python3-impacket is not installed)"
fi
echo "; edited by the test" >>"$run/istmd.conf"
stop

# Again: the same state and password; ISTMD_ADMIN_PASSWORD replaces it.
start 2
grep -q "admin / $password\$" "$out" || fail "the second run has another password"
ctl target show db >/dev/null || fail "the target of the first run is gone"
grep -q "^; edited by the test" "$run/istmd.conf" && grep -q "istmd.conf (kept from an earlier run" "$out" ||
  fail "the edited run/istmd.conf was not kept"
grep -q "State kept from an earlier run: 1 target(s), 1 disk(s)" "$out" &&
  ! grep -q "Nothing is configured yet" "$out" || fail "the second run's banner does not tell the kept state"
echo "ok - a second run keeps the state, the password and the edited configuration, and says so"
stop
ISTMD_ADMIN_PASSWORD='Chosen-password-9' start 3
grep -q "admin / Chosen-password-9\$" "$out" || fail "ISTMD_ADMIN_PASSWORD was not used"
ctl info >/dev/null || fail "istmctl with the chosen password"
echo "ok - ISTMD_ADMIN_PASSWORD sets the admin's password"
stop
