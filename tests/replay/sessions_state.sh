#!/usr/bin/env bash
# The state the sessions capture was recorded from, made again before its
# replay (docs/replay.md "The corpus"): run by with_istmd.sh (ISTMD_*
# variables; istmd configured with [iscsi] portal = ADDRESS:3260 and
# ISTMD_TGT_CONTROL_PORT), it starts a private tgtd, makes target "sesst"
# with a virtual disk as LUN 0 and two allowed initiators through istmctl,
# logs both initiators in with iscsi_hold (one after the other, so the
# fresh tgtd hands out TSIH 1 then 2, as at capture time), runs COMMAND
# while they stay logged in, then logs them out and stops tgtd by PID.
#
#   sessions_state.sh ISTMCTL ISCSI_HOLD -- COMMAND...
#
# SESSIONS_STATE_TGT_ONLY=1: only the private tgtd (istmd's backend up), no
# target, no logins (the notification capture).
# Exit status 77 (skipped) without root or tgtd.
set -uo pipefail
istmctl=$1 hold=$2
shift 2
[ "${1:-}" = "--" ] && shift
port=${ISTMD_TGT_CONTROL_PORT:?}
[ "$(id -u)" = 0 ] && [ -x /usr/sbin/tgtd ] || { echo "skipped: tgtd needs root and the tgt package"; exit 77; }
[ -x "$hold" ] || { echo "skipped: no iscsi_hold ($hold)"; exit 77; }
d=$(mktemp -d /tmp/replay-sess.XXXXXX)
tpid= h1= h2=
cleanup() {
  exec 7>&- 8>&- 2>/dev/null
  for p in $h1 $h2; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  if [ -n "$tpid" ]; then
    kill -KILL "$tpid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$tpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null
  fi
  rm -rf "$d"
}
trap cleanup EXIT
fail() { echo "sessions_state: $*" >&2; exit 1; }

/usr/sbin/tgtd -f -C "$port" --iscsi "portal=$ISTMD_ADDR:3260" </dev/null >"$d/tgtd.log" 2>&1 &
tpid=$!
# tgtadm answering, not the socket file (one a killed tgtd left looks the same)
up() { kill -0 "$tpid" 2>/dev/null && /usr/sbin/tgtadm -C "$port" --mode system --op show >/dev/null 2>&1; }
for _ in $(seq 100); do up && break; sleep 0.05; done
up || fail "tgtd did not start on control port $port"
for _ in $(seq 100); do grep -q "iSCSI backend tgt generation" "$ISTMD_LOG" && break; sleep 0.1; done
grep -q "iSCSI backend tgt generation" "$ISTMD_LOG" || fail "istmd does not see tgtd"

if [ "${SESSIONS_STATE_TGT_ONLY:-}" = 1 ]; then
  # only the backend up (RegisterNotification answers ERROR_NOT_READY without it)
  rc=0
  "$@" || rc=$?
  exit $rc
fi

printf '%s\n' "$ISTMD_ADMIN_PASSWORD" > "$d/pw"
c() { timeout 60 "$istmctl" --server "$ISTMD_ADDR:$ISTMD_EPM_PORT" --user "$ISTMD_ADMIN" \
        --password-file "$d/pw" "$@" >/dev/null || fail "istmctl $* failed"; }
ini1=iqn.1991-05.com.contoso:rcorp-one ini2=iqn.1991-05.com.contoso:rcorp-two
c target create sesst --description "sessions replay"
c disk create 'D:\sesst.vhd' --size 8MB
c map sesst 'D:\sesst.vhd'
c allow sesst "$ini1"
c allow sesst "$ini2"
iqn=$(/usr/sbin/tgtadm -C "$port" --lld iscsi --mode target --op show | sed -n 's/^Target [0-9]*: //p' | head -1)
[ -n "$iqn" ] || fail "tgtd serves no target"

# one initiator logged in until its standard input (fd 7 or 8) closes
login() {
  mkfifo "$d/in$1"
  "$hold" "$ISTMD_ADDR:3260" "$iqn" "$2" "$3" <"$d/in$1" >"$d/out$1" 2>&1 &
  eval "h$1=$!"
  eval "exec $4>\"$d/in$1\""
  for _ in $(seq 150); do grep -q '^ready' "$d/out$1" && return 0; sleep 0.1; done
  fail "$2 did not log in: $(cat "$d/out$1")"
}
login 1 "$ini1" 0x1111 7
# istmd learns the first connection's port while it is the only one
c session list
login 2 "$ini2" 0x2222 8
c session list
rc=0
"$@" || rc=$?
exit $rc
