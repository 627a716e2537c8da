#!/usr/bin/env bash
# Captures a session of real clients with tshark and requires Wireshark's
# DCE/RPC dissector to find no malformed packet and no error in it.
# Run by with_istmd.sh (ISTMD_* variables); arguments: the client command.
set -uo pipefail

cap=$ISTMD_DIR/session.pcapng
err=$ISTMD_DIR/tshark.err
timeout 60 tshark -i lo -f "host $ISTMD_ADDR and tcp port $ISTMD_EPM_PORT" -w "$cap" 2>"$err" &
tpid=$!
for _ in $(seq 100); do
  grep -q "Capturing on" "$err" 2>/dev/null && break
  sleep 0.1
done
sleep 0.5

"$@"
status=$?

sleep 0.5
kill -INT "$tpid" 2>/dev/null
wait "$tpid" 2>/dev/null
if [ $status != 0 ]; then
  echo "tshark_check: the client failed" >&2
  exit 1
fi

decode=(-d "tcp.port==$ISTMD_EPM_PORT,dcerpc")
n=$(tshark -r "$cap" "${decode[@]}" -Y dcerpc 2>/dev/null | wc -l)
expert=$(tshark -r "$cap" "${decode[@]}" -q -z expert 2>&1)
echo "$expert"
echo "tshark: $n DCE/RPC packets"
if [ "$n" -lt 10 ]; then
  echo "not ok - tshark saw only $n DCE/RPC packets" >&2
  exit 1
fi
if echo "$expert" | grep -qiE "malformed|^ *Errors|exception"; then
  echo "not ok - tshark reports malformed packets or errors" >&2
  exit 1
fi
echo "ok - tshark dissects the session without malformed-packet warnings"
