#!/usr/bin/env bash
# Recording without a sniffer: istmd A with [rpc] session_log records
# scenario.py (with CHAP: REPLAY_CHAP=1) at privacy; the log must hold no
# CHAP secret; istmd-replay then replays the log against a fresh istmd B
# with no difference.
#
#   session_log.sh REPLAY ISTMD ISTMCTL ADDRESS_A ADDRESS_B
set -uo pipefail
replay=$1 istmd=$2 istmctl=$3 addr_a=$4 addr_b=$5
here=$(cd "$(dirname "$0")" && pwd)
with="$here/../integration/rpc/with_istmd.sh"
tmp=$(mktemp -d /tmp/replay-slog.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/session.log

REPLAY_CHAP=1 timeout 150 "$with" "$istmd" "$istmctl" "$addr_a" \
  --conf-line "session_log = $log" --conf-line "[general]" --conf-line "name = replay" \
  -- bash -c "grep -q 'session_log is on' \"\$ISTMD_LOG\" && echo 'ok - istmd warns that the session log is on' || { echo 'not ok - no warning'; exit 1; }
              timeout 120 /usr/bin/python3 $here/scenario.py 6 slog >/dev/null" || {
  echo "not ok - recording the session"; exit 1; }
echo "ok - session recorded ($(grep -c '^req ' "$log") requests)"
head -1 "$log" | grep -q '^# istmd session log 1$' || { echo "not ok - no header"; exit 1; }
# the secret, as text or UTF-16LE hex, is nowhere in the log
secret_hex=$(printf 'Sessionlog-Secret-77' | iconv -t UTF-16LE | od -An -tx1 | tr -d ' \n')
if grep -q "Sessionlog-Secret-77" "$log" || grep -q "$secret_hex" "$log"; then
  echo "not ok - the CHAP secret is in the session log"; exit 1
fi
xs_hex=$(printf 'XXXXXXXXXXXXXXXXXXXX' | iconv -t UTF-16LE | od -An -tx1 | tr -d ' \n')
grep -q "$xs_hex" "$log" || { echo "not ok - the redacted secret is not there"; exit 1; }
echo "ok - the CHAP secret is redacted (put_CHAPSecret and get_CHAPSecret)"
dry=$(timeout 30 "$replay" --dry-run "$log")
grep -q "IHost_put_CHAPSecret" <<<"$dry" || {
  echo "not ok - --dry-run of the session log"; exit 1; }
echo "ok - --dry-run reads the session log"
cat > "$tmp/rules" <<RULES
user = alice
live_password = Secret-alice-1
RULES
timeout 150 "$with" "$istmd" "$istmctl" "$addr_b" --conf-line "[general]" --conf-line "name = replay" \
  -- timeout 120 "$replay" --rules "$tmp/rules" --addr "$addr_b" --port 1135 "$log" || {
  echo "not ok - replaying the session log"; exit 1; }
echo "ok - the session log replays against a fresh istmd with no difference"
