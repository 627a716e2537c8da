#!/usr/bin/env bash
# Runs a command against a freshly started istmd on a loopback address.
#
#   with_istmd.sh ISTMD ISTMCTL ADDRESS [--conf-line 'key = value'...] -- COMMAND...
#
# Creates a temporary directory with a users file made by `istmctl user add`
# (admin "alice", user "bob"), a config for ADDRESS (endpoint mapper on port
# 1135 or $ISTMD_EPM_PORT, objects on 1136, min_auth_level integrity unless
# overridden), starts
# istmd, waits for it to listen, runs COMMAND with ISTMD_* variables set, then
# stops istmd by PID with SIGTERM and requires a clean exit within 5 s and a
# log free of sanitizer reports. Everything is bounded in time.
set -uo pipefail

istmd=$1 istmctl=$2 addr=$3
shift 3
extra=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case $1 in
    --conf-line) extra+=("$2"); shift 2 ;;
    *) echo "with_istmd: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "${1:-}" = "--" ] && shift

dir=$(mktemp -d /tmp/istmd-test.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

export ISTMD_ADDR=$addr ISTMD_EPM_PORT=${ISTMD_EPM_PORT:-1135} ISTMD_OBJECT_PORT=1136
export ISTMD_ADMIN=alice ISTMD_ADMIN_PASSWORD='Secret-alice-1' ISTMD_USER=bob ISTMD_USER_PASSWORD='Secret-bob-2'
export ISTMD_DIR=$dir ISTMD_LOG=$dir/istmd.log

printf '%s\n' "$ISTMD_ADMIN_PASSWORD" | timeout 10 "$istmctl" user add --users-file "$dir/users" --admin "$ISTMD_ADMIN" >/dev/null || {
  echo "with_istmd: istmctl user add failed" >&2; exit 1; }
printf '%s\n' "$ISTMD_USER_PASSWORD" | timeout 10 "$istmctl" user add --users-file "$dir/users" "$ISTMD_USER" >/dev/null || {
  echo "with_istmd: istmctl user add failed" >&2; exit 1; }

has_key() { printf '%s\n' "${extra[@]+"${extra[@]}"}" | grep -q "^$1 *="; }
{
  echo "[log]"
  echo "level = debug"
  echo "[rpc]"
  echo "listen = $addr"
  echo "endpoint_mapper_port = $ISTMD_EPM_PORT"
  echo "object_port = $ISTMD_OBJECT_PORT"
  has_key min_auth_level || echo "min_auth_level = integrity"
  for line in "${extra[@]+"${extra[@]}"}"; do echo "$line"; done
  echo "[auth]"
  echo "users_file = $dir/users"
  echo "[state]"
  echo "dir = $dir/state"
  echo "[storage]"
  echo "roots = $dir/storage"
  echo "[iscsi]"
  # No tgtd listens on this control port unless a test starts one: the daemon
  # must never take over (and clean up) a tgtd it was not given.
  echo "tgt_control_port = ${ISTMD_TGT_CONTROL_PORT:-9990}"
} > "$dir/istmd.conf"
mkdir -p "$dir/storage"

"$istmd" --config "$dir/istmd.conf" --foreground 2>"$ISTMD_LOG" &
pid=$!
export ISTMD_PID=$pid

# Wait (at most 10 s) until it listens on the endpoint mapper port.
up=0
for _ in $(seq 100); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if timeout 1 bash -c "exec 3<>/dev/tcp/$addr/$ISTMD_EPM_PORT" 2>/dev/null; then up=1; break; fi
  sleep 0.1
done
if [ $up != 1 ]; then
  echo "with_istmd: istmd did not start" >&2
  cat "$ISTMD_LOG" >&2
  exit 1
fi

"$@"
status=$?

# Stop by PID; a clean exit within 5 s is part of every test.
kill -TERM "$pid"
stopped=0
for _ in $(seq 50); do
  if ! kill -0 "$pid" 2>/dev/null; then stopped=1; break; fi
  sleep 0.1
done
if [ $stopped != 1 ]; then
  echo "with_istmd: istmd did not stop within 5 s of SIGTERM" >&2
  status=1
else
  wait "$pid"
  rc=$?
  pid=
  if [ $rc != 0 ]; then
    echo "with_istmd: istmd exited with status $rc" >&2
    status=1
  fi
fi
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$ISTMD_LOG"; then
  echo "with_istmd: sanitizer report in the daemon's log" >&2
  status=1
fi
if [ $status != 0 ]; then
  echo "---- istmd log (last 80 lines) ----" >&2
  tail -n 80 "$ISTMD_LOG" >&2
fi
exit $status
