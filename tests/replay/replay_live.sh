#!/usr/bin/env bash
# Replays one capture of the corpus against a fresh istmd (with_istmd.sh on
# ADDRESS, named "replay" as at capture time) and checks the outcome.
#
#   replay_live.sh MODE REPLAY ISTMD ISTMCTL ADDRESS CAPTURE [istmd-replay options]
#
# MODE pass: no unmasked difference (exit 0).
# MODE changed: the daemon is named "changed" instead: the replay must exit 1
#   naming call 3 IWTGeneral_get_Name, field out.pName, recorded 'replay',
#   live 'changed', in text and in --json.
# MODE wtd: the live daemon already has a virtual disk (made with istmctl),
#   so the disk the session creates gets WTD index 2 where the recording
#   had 1: the index is mapped and substituted in GetWTDisk and AddWTDisk;
#   exit 0.
# MODE sessions: as pass, once sessions_state.sh has made the state the
#   capture was recorded from (ISCSI_HOLD, REPLAY_TGT_CONTROL_PORT in the
#   environment).
# MODE notify: as pass, with istmd's backend up (sessions_state.sh
#   SESSIONS_STATE_TGT_ONLY=1, REPLAY_TGT_CONTROL_PORT) and [notify]
#   only_caller_address = no.
# MODE nosessions: the sessions capture without that state: exit 1 at
#   call 4 IEnumSession2_Next out.result (S_FALSE where S_OK was recorded).
# MODE masked: named "changed" too, with a rules file masking the name and
#   the IQN made from it: exit 0.
set -uo pipefail
mode=$1 replay=$2 istmd=$3 istmctl=$4 addr=$5 cap=$6
shift 6
here=$(cd "$(dirname "$0")" && pwd)
with="$here/../integration/rpc/with_istmd.sh"
name=replay
[ "$mode" = changed ] || [ "$mode" = masked ] && name=changed
rules=${cap%.*}.rules
run="timeout 120 $replay --rules $rules --addr $addr --port 1135 $* $cap"
case $mode in
pass)
  exec timeout 170 "$with" "$istmd" "$istmctl" "$addr" --conf-line "[general]" \
    --conf-line "name = $name" -- bash -c "$run && echo 'ok - $(basename "$cap") replays with no difference'"
  ;;
sessions)
  # The capture was recorded from sessions_state.sh's state (a private tgtd
  # on control port REPLAY_TGT_CONTROL_PORT, target "sesst", two initiators
  # logged in with ISCSI_HOLD): made again on the fresh istmd first.
  [ -n "${ISCSI_HOLD:-}" ] && [ -n "${REPLAY_TGT_CONTROL_PORT:-}" ] ||
    { echo "skipped: ISCSI_HOLD and REPLAY_TGT_CONTROL_PORT not set"; exit 77; }
  ISTMD_TGT_CONTROL_PORT=$REPLAY_TGT_CONTROL_PORT exec timeout 170 "$with" "$istmd" "$istmctl" \
    "$addr" --conf-line "[general]" --conf-line "name = $name" --conf-line "[iscsi]" \
    --conf-line "portal = $addr:3260" -- "$here/sessions_state.sh" "$istmctl" "$ISCSI_HOLD" -- \
    bash -c "$run && echo 'ok - $(basename "$cap") replays the same sessions with no difference'"
  ;;
notify)
  # The notification capture: istmd's backend up (a private tgtd on
  # REPLAY_TGT_CONTROL_PORT: RegisterNotification answers ERROR_NOT_READY
  # without it) and [notify] only_caller_address = no, as recorded. The
  # registered OBJREF names the recording's console, which is not there:
  # istmd's calls back fail in the background and are not compared.
  [ -n "${REPLAY_TGT_CONTROL_PORT:-}" ] || { echo "skipped: REPLAY_TGT_CONTROL_PORT not set"; exit 77; }
  ISTMD_TGT_CONTROL_PORT=$REPLAY_TGT_CONTROL_PORT SESSIONS_STATE_TGT_ONLY=1 exec timeout 170 \
    "$with" "$istmd" "$istmctl" "$addr" --conf-line "[general]" --conf-line "name = $name" \
    --conf-line "[iscsi]" --conf-line "portal = $addr:3260" --conf-line "[notify]" \
    --conf-line "only_caller_address = no" -- "$here/sessions_state.sh" "$istmctl" /bin/true -- \
    bash -c "$run && echo 'ok - $(basename "$cap") replays with no difference'"
  ;;
nosessions)
  # The same capture against an istmd without that state: the sessions the
  # recording saw are missing, and the replay says so at the first Next.
  exec timeout 170 "$with" "$istmd" "$istmctl" "$addr" --conf-line "[general]" \
    --conf-line "name = $name" -- bash -c "out=\$($run --stop-at-first); rc=\$?; echo \"\$out\"
      [ \$rc = 1 ] && grep -q '^call 4 IEnumSession2_Next:' <<<\"\$out\" &&
      grep -q '^  out.result\$' <<<\"\$out\" &&
      echo 'ok - without the held logins the replay fails at call 4 IEnumSession2_Next out.result'"
  ;;
wtd)
  exec timeout 170 "$with" "$istmd" "$istmctl" "$addr" --conf-line "[general]" \
    --conf-line "name = $name" -- bash -c "pw=\$(mktemp); printf '%s\n' \"\$ISTMD_ADMIN_PASSWORD\" > \$pw
      timeout 60 $istmctl --server $addr:1135 --user alice --password-file \$pw disk create 'D:\\pre.vhd' --size 8MB
      rm -f \$pw
      out=\$($run --json); rc=\$?; echo \"\$out\" | tail -12
      [ \$rc = 0 ] && echo 'ok - the WTD index the live daemon handed out (2 for 1) is mapped'"
  ;;
masked)
  tmp=$(mktemp /tmp/replay-rules.XXXXXX)
  trap 'rm -f "$tmp"' EXIT
  { cat "${cap%.*}.rules"
    echo "mask IWTGeneral_get_Name out.pName   # the daemon's name"
    echo "mask IHost_get_* out.pTargetIQN      # default IQNs carry it"; } > "$tmp"
  timeout 170 "$with" "$istmd" "$istmctl" "$addr" --conf-line "[general]" \
    --conf-line "name = $name" -- bash -c "out=\$($run --rules $tmp --show-masked); rc=\$?; echo \"\$out\" | tail -3
      [ \$rc = 0 ] && grep -q ', 0 differences, ' <<<\"\$out\" &&
      grep -q \"^masked: call 3 IWTGeneral_get_Name out.pName: recorded 'replay', live 'changed'\" <<<\"\$out\" &&
      echo 'ok - the masked differences pass, and --show-masked lists them'"
  exit $?
  ;;
changed)
  exec timeout 170 "$with" "$istmd" "$istmctl" "$addr" --conf-line "[general]" \
    --conf-line "name = $name" -- bash -c "
    out=\$($run); rc=\$?
    echo \"\$out\"
    [ \$rc = 1 ] || { echo 'not ok - exit status '\$rc' (want 1)'; exit 1; }
    grep -q '^call 3 IWTGeneral_get_Name:' <<<\"\$out\" && grep -q '^  out.pName\$' <<<\"\$out\" &&
      grep -q \"recorded: 'replay'\" <<<\"\$out\" && grep -q \"live:     'changed'\" <<<\"\$out\" ||
      { echo 'not ok - the changed name is not reported at call 3 out.pName'; exit 1; }
    echo 'ok - the changed answer is caught at call 3 IWTGeneral_get_Name out.pName'
    json=\$($run --json --stop-at-first); rc=\$?
    [ \$rc = 1 ] || { echo 'not ok - --json exit status '\$rc; exit 1; }
    /usr/bin/python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
d = j[\"differences\"]
assert not j[\"ok\"] and len(d) == 1, j
assert d[0][\"call\"] == 3 and d[0][\"method\"] == \"IWTGeneral_get_Name\", d
assert d[0][\"path\"] == \"out.pName\" and d[0][\"live\"] == \"'\"'\"'changed'\"'\"'\", d
assert j[\"replayed\"] == 3, j
' <<<\"\$json\" || { echo 'not ok - --json --stop-at-first'; echo \"\$json\"; exit 1; }
    echo 'ok - --json --stop-at-first stops at call 3 with one difference'
  "
  ;;
esac
echo "replay_live: unknown mode $mode" >&2
exit 2
