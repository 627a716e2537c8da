#!/usr/bin/env bash
# Records one corpus capture: a fresh istmd (with_istmd.sh) on ADDRESS,
# dumpcap on the loopback interface filtered to that address, and
# scenario.py at LEVEL (5 integrity, 6 privacy). Maintainers run it to
# (re)make tests/replay/*.pcapng (docs/replay.md "Adding a capture"):
#
#   make_capture.sh BUILD_DIR ADDRESS LEVEL NAME OUT.pcapng|OUT.pcap
#
# OUT.pcap: the classic pcap format (dumpcap -P), what tcpdump writes.
#
# REPLAY_FRAGMENT=1 in the environment: impacket fragments its requests
# (128-byte fragments) and istmd's PDUs are at most 1432 bytes. The daemon
# is named "replay" ([general] name), as the corpus tests name theirs.
# REPLAY_SCENARIO=istmctl: scenario_istmctl.sh (istmctl's commands; LEVEL is
# then ignored: istmctl seals) instead of scenario.py.
# REPLAY_SCENARIO=sessions: istmctl session list/show and
# scenario_sessions.py at LEVEL, recorded once sessions_state.sh has logged
# two initiators in to a private tgtd (control port REPLAY_TGT_CONTROL_PORT,
# default 2300; the portal is ADDRESS:3260).
# REPLAY_SCENARIO=notify: scenario_notify.py at LEVEL with notify_console on
# REPLAY_CONSOLE_ADDR (default 127.0.23.5).
set -euo pipefail
build=$1 addr=$2 level=$3 name=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
command -v dumpcap >/dev/null || { echo "make_capture: dumpcap is not installed" >&2; exit 77; }
tmp=$(mktemp -d /tmp/replay-cap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
format=()
case $out in *.pcap) format=(-P) ;; esac
if [ "${REPLAY_SCENARIO:-}" = notify ]; then
  # RegisterNotification/UnregisterNotification with notify_console on
  # REPLAY_CONSOLE_ADDR (default 127.0.23.5): istmd's calls back to it are
  # left out of the capture (not the console's traffic; not replayed).
  console=${REPLAY_CONSOLE_ADDR:-127.0.23.5}
  printf '%s\n' "Secret-callback-1" > "$tmp/cb_password"
  printf '%s\n' "Secret-callback-1" | "$build/src/ctl/istmctl" user add --users-file \
    "$tmp/console_users" --admin istmdcb >/dev/null
  timeout 120 dumpcap "${format[@]}" -q -i lo -f "host $addr and tcp and not host $console" -s 0 \
    -w "$tmp/cap.pcapng" 2>"$tmp/dumpcap.log" &
  dpid=$!
  sleep 1.5
  status=0
  ISTMD_TGT_CONTROL_PORT=${REPLAY_TGT_CONTROL_PORT:-2300} timeout 150 \
    "$src/tests/integration/rpc/with_istmd.sh" "$build/src/daemon/istmd" \
    "$build/src/ctl/istmctl" "$addr" --conf-line "max_pdu_size = 1432" --conf-line "[general]" \
    --conf-line "name = replay" --conf-line "[iscsi]" --conf-line "portal = $addr:3260" \
    --conf-line "[notify]" --conf-line "auth = ntlm" \
    --conf-line "user = istmdcb" --conf-line "password_file = $tmp/cb_password" \
    --conf-line "only_caller_address = no" -- \
    env SESSIONS_STATE_TGT_ONLY=1 "$here/sessions_state.sh" "$build/src/ctl/istmctl" /bin/true -- \
    timeout 120 /usr/bin/python3 "$here/scenario_notify.py" "$level" \
      "$build/tests/integration/notify/notify_console" "$console" "$tmp/console_users" || status=$?
  sleep 1
  kill -TERM "$dpid" 2>/dev/null || true
  wait "$dpid" 2>/dev/null || true
  [ $status = 0 ] || { echo "make_capture: the notify scenario failed ($status)" >&2; exit $status; }
  cp "$tmp/cap.pcapng" "$out"
  echo "make_capture: $out ($(stat -c %s "$out") bytes)"
  exit 0
fi
if [ "${REPLAY_SCENARIO:-}" = sessions ]; then
  # The sessions flow is recorded from a state sessions_state.sh makes (a
  # private tgtd, target "sesst", two initiators logged in): the capture
  # starts once that state is there, so the replay can make it again first.
  # Not the iSCSI traffic (port 3260): only the RPC conversations.
  port=${REPLAY_TGT_CONTROL_PORT:-2300}
  status=0
  ISTMD_TGT_CONTROL_PORT=$port timeout 170 "$src/tests/integration/rpc/with_istmd.sh" \
    "$build/src/daemon/istmd" "$build/src/ctl/istmctl" "$addr" --conf-line "max_pdu_size = 1432" \
    --conf-line "[general]" --conf-line "name = replay" --conf-line "[iscsi]" \
    --conf-line "portal = $addr:3260" -- \
    "$here/sessions_state.sh" "$build/src/ctl/istmctl" "$build/tests/integration/istm/iscsi_hold" -- \
    bash -c 'set -e
      timeout 120 dumpcap "${@:4}" -q -i lo -f "host $ISTMD_ADDR and tcp and not port 3260" -s 0 \
        -w "$2/cap.pcapng" 2>"$2/dumpcap.log" &
      d=$!; sleep 1.5
      pw=$(mktemp /tmp/replay-ctl.XXXXXX); printf "%s\n" "$ISTMD_ADMIN_PASSWORD" > "$pw"
      c() { timeout 60 "$1" --server "$ISTMD_ADDR:$ISTMD_EPM_PORT" --user "$ISTMD_ADMIN" --password-file "$pw" "${@:2}"; }
      s=0
      { c "$1" session list && c "$1" session list sesst --json && c "$1" session show 1 &&
        c "$1" session show 2 --json &&
        timeout 120 /usr/bin/python3 "$0/scenario_sessions.py" "$3"; } || s=$?
      rm -f "$pw"; sleep 1; kill -TERM $d; wait $d || true
      exit $s' "$here" "$build/src/ctl/istmctl" "$tmp" "$level" "${format[@]}" || status=$?
  [ $status = 0 ] || { echo "make_capture: the sessions scenario failed ($status)" >&2; exit $status; }
  cp "$tmp/cap.pcapng" "$out"
  echo "make_capture: $out ($(stat -c %s "$out") bytes)"
  exit 0
fi
timeout 120 dumpcap "${format[@]}" -q -i lo -f "host $addr and tcp" -s 0 -w "$tmp/cap.pcapng" 2>"$tmp/dumpcap.log" &
dpid=$!
sleep 1.5
status=0
timeout 150 "$src/tests/integration/rpc/with_istmd.sh" "$build/src/daemon/istmd" "$build/src/ctl/istmctl" \
  "$addr" --conf-line "max_pdu_size = 1432" --conf-line "[general]" --conf-line "name = replay" \
  -- bash -c 'if [ "${REPLAY_SCENARIO:-}" = istmctl ]; then exec "$0/scenario_istmctl.sh" "$1"; fi
              exec timeout 120 /usr/bin/python3 "$0/scenario.py" "$2" "$3"' \
     "$here" "$build/src/ctl/istmctl" "$level" "$name" || status=$?
sleep 1
kill -INT "$dpid" 2>/dev/null || true
wait "$dpid" 2>/dev/null || true
[ $status = 0 ] || { echo "make_capture: the scenario failed ($status)" >&2; exit $status; }
cp "$tmp/cap.pcapng" "$out"
echo "make_capture: $out ($(stat -c %s "$out") bytes)"
