#!/usr/bin/env bash
# SIGHUP re-reads the users file: an account added while istmd runs can log on
# after the signal. Run by with_istmd.sh; arguments: ISTMCTL impacket_rpc.py.
set -euo pipefail
istmctl=$1 script=$2
printf '%s\n' 'Carol-pass-3' | "$istmctl" user add --users-file "$ISTMD_DIR/users" --admin carol >/dev/null
kill -HUP "$ISTMD_PID"
sleep 0.5
ISTMD_ADMIN=carol ISTMD_ADMIN_PASSWORD='Carol-pass-3' timeout 60 /usr/bin/python3 "$script" alive2:privacy
grep -q "received SIGHUP" "$ISTMD_LOG" && echo "ok - the daemon logged the reload"
