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
